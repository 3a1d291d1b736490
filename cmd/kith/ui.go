package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
)

// uiCmd is `kith ui`: print the link that opens the running daemon's web
// UI (it carries the API token once; the UI sets a session cookie).
func (c *cli) uiCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ui", Short: "Print the link that opens the running daemon's web interface", Args: noArgs}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		addr, err := os.ReadFile(filepath.Join(h.Dir, home.APIAddrFile))
		if err != nil {
			return fmt.Errorf("no daemon is running for %s: start it with `kith daemon`", h.Dir)
		}
		token, err := os.ReadFile(filepath.Join(h.Dir, home.APITokenFile))
		if err != nil {
			return fmt.Errorf("read API token: %w", err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "http://%s/login?token=%s\n", strings.TrimSpace(string(addr)), strings.TrimSpace(string(token)))
		return nil
	}
	return cmd
}
