package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
)

func (c *cli) communityForgetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "forget COMMUNITY_ID", Short: "Delete a community from this node (you stay a member; others keep it)",
		Long: "Delete a community from this node: its records, its search entries and the attachments no other community names. " +
			"The node stops replicating it. Nothing is sent to anyone: you stay a member, the other members keep everything, " +
			"and joining again with an invite code brings it back.\n\n" +
			"Without --yes it only says what would be deleted, and what may exist only here.",
		Args: exactArgs(1)}
	yes := cmd.Flags().Bool("yes", false, "forget it (without: only say what would be deleted)")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if !*yes {
			p, err := cl.ForgetPreview(ctx, id)
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(out, p)
			}
			printForgetPreview(out, p, args[0])
			return errors.New("nothing was deleted: add --yes to forget the community")
		}
		fmt.Fprintln(cmd.ErrOrStderr(), "forgetting the community (the store rewrites its files: seconds for a large one)…")
		ans, err := cl.Forget(ctx, id)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(out, ans)
		}
		back := "; join again with an invite code to come back"
		if ans.Alone {
			back = " (you were its only member: only a copy, kith import FILE, brings it back)"
		}
		fmt.Fprintf(out, "forgot %q: %s deleted from this node%s\n", termText(ans.Name), count(ans.Records, "record"), back)
		return nil
	})
	return cmd
}

// printForgetPreview says what forgetting would delete, and warns of what
// may exist only on this node; arg is how the member named the community
// (digits only: resolveCommunity checked).
func printForgetPreview(w io.Writer, p api.ForgetPreview, arg string) {
	fmt.Fprintf(w, "Forgetting %q deletes from this node %s (%s)", termText(p.Name), count(p.Records, "record"), p.Yours())
	if p.Files > 0 {
		fmt.Fprintf(w, ", %s no other community names", count(p.Files, "attachment"))
	}
	fmt.Fprintln(w, " and its search entries.")
	fmt.Fprintln(w, p.Stays())
	switch {
	case p.Alone():
		fmt.Fprintln(w, "! "+p.AloneWarning())
		fmt.Fprintf(w, "  Keep a copy first: kith export %s -o FILE\n", arg)
	case p.MaybeOnlyHere:
		since := "since the daemon started"
		if p.LastSync > 0 {
			since = "since " + time.UnixMilli(p.LastSync).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(w, "! You wrote here at %s, and no sync with a peer completed %s: that may exist only on this node.\n",
			time.UnixMilli(p.NewestMine).Format("2006-01-02 15:04"), since)
		fmt.Fprintf(w, "  Sync first (kith community sync %s --wait), or keep a copy (kith export %s -o FILE).\n", arg, arg)
	}
	fmt.Fprintln(w, "Run the command again with --yes to forget it.")
}
