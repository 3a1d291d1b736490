package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/client"
)

// uiCmd is `kith ui`: get a fresh one-time login link for the running
// daemon's web UI, print it, and open it in the browser where one can be
// opened.
func (c *cli) uiCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ui", Short: "Open the running daemon's web interface (prints a one-time login link)", Args: noArgs}
	noOpen := cmd.Flags().Bool("no-open", false, "only print the link, do not open a browser")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		link, err := cl.LoginLink(ctx)
		if err != nil {
			return fmt.Errorf("ask the daemon for a login link: %w", err)
		}
		if *asJSON { // for a script, which opens it itself
			return printJSON(cmd.OutOrStdout(), struct {
				URL string `json:"url"`
			}{link})
		}
		fmt.Fprintln(cmd.OutOrStdout(), link)
		if *noOpen {
			return nil
		}
		if err := openBrowser(link); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "(could not open a browser: %v; open the link above)\n", err)
		}
		return nil
	})
	return cmd
}

// openBrowser opens link with the desktop's opener, without waiting for
// the browser to exit.
func openBrowser(link string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return fmt.Errorf("no graphical session")
		}
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, append(args, link)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it whenever it exits; the command does not wait
	return nil
}
