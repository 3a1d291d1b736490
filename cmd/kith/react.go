package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/client"
)

// reactCmd is `kith react ID helpful|+1|applied`.
func (c *cli) reactCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:       "react ID helpful|+1|applied",
		Short:     "React to a post, reply or note (\"applied\": I applied this)",
		Args:      exactArgs(2),
		ValidArgs: []string{"helpful", "+1", "applied"},
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args[:1])
		if err != nil {
			return err
		}
		id, err := cl.React(ctx, ids[0], args[1])
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}
