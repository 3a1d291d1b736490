package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
)

// initCmd is `kith init`: create the identity and config of a new node.
func (c *cli) initCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a new identity and configuration",
		Long: "init creates the home directory, a member key (your identity as an author,\n" +
			"portable between devices), a node key (this machine's peer identity) and a\n" +
			"default config file. It never overwrites an existing identity.",
		Args: noArgs,
	}
	name := cmd.Flags().String("name", "", "your display `name`, shown to other members")
	importFile := cmd.Flags().String("import", "", "use the member key in this `file` (from `kith identity export` on another device)")
	passFile := cmd.Flags().String("passphrase-file", "", "with --import, read the passphrase from the first line of this `file`")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		opts := home.InitOptions{Name: *name}
		if *importFile != "" {
			if opts.Member, err = importMember(cmd, *importFile, *passFile); err != nil {
				return err
			}
		}
		id, err := h.Init(opts)
		if err != nil {
			return err
		}
		r, err := newIDResult(id)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, struct {
				Home string `json:"home"`
				idResult
			}{h.Dir, r})
		}
		if *importFile != "" {
			fmt.Fprintf(out, "Set up this device in %s with your member key from %s\n", h.Dir, *importFile)
			r.print(out)
			return nil
		}
		fmt.Fprintf(out, "Created a new identity in %s\n", h.Dir)
		r.print(out)
		fmt.Fprintf(out, "Back up %s: it is your identity and cannot be recovered.\n", home.MemberKeyFile)
		return nil
	}
	return cmd
}
