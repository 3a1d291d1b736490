package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/store"
)

// checkResult is what `kith check --json` prints.
type checkResult struct {
	Records  int      `json:"records"`
	Entries  int      `json:"entries"`
	Dirty    int      `json:"dirty"`
	Problems []string `json:"problems"`
}

// checkCmd is `kith check`: walk the store and report inconsistencies. It
// opens the store itself, so the daemon must be stopped.
func (c *cli) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the store's consistency (stop the daemon first)",
		Long: "check walks the whole store and reports every index entry without its record and\n" +
			"every record without its index entries. It changes nothing. It exits with status 1\n" +
			"when it finds a problem.",
		Args: noArgs,
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		dir := filepath.Join(h.Dir, home.StoreDir)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no store in %s yet: the daemon creates it on its first run", h.Dir)
		}
		s, err := store.Open(dir, store.Options{})
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("%w: stop the daemon first (kith check reads the store directly)", err)
		}
		if err != nil {
			return err
		}
		rep, err := s.Check(cmd.Context())
		if cerr := s.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
		if err != nil {
			return fmt.Errorf("check store: %w", err)
		}
		out := cmd.OutOrStdout()
		res := checkResult{Records: rep.Records, Entries: rep.Entries, Dirty: rep.Dirty, Problems: append([]string{}, rep.Problems...)}
		if *asJSON {
			if err := printJSON(out, res); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(out, "%d records, %d index and view entries, %d views waiting for a refresh\n", res.Records, res.Entries, res.Dirty)
			for _, p := range res.Problems {
				fmt.Fprintf(out, "problem: %s\n", p)
			}
		}
		if len(res.Problems) > 0 {
			return fmt.Errorf("the store has %d problems", len(res.Problems))
		}
		if !*asJSON {
			fmt.Fprintln(out, "no problems")
		}
		return nil
	}
	return cmd
}
