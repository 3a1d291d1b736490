package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The community commands: create, list, invite, join, sync (forget: forget.go).

func (c *cli) communityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "community", Short: "Create, list, invite to and join communities"}
	cmd.AddCommand(c.communityCreateCmd(), c.communityListCmd(), c.communityInviteCmd(), c.communityInvitesCmd(), c.communityRevokeCmd(), c.communityJoinCmd(), c.communitySyncCmd(), c.communityForgetCmd(), c.moderationLogCmd(), c.unsharedCmd())
	return cmd
}

func (c *cli) communityCreateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "create", Short: "Found a community (prints its id)", Args: noArgs}
	var req api.CreateCommunityRequest
	cmd.Flags().StringVar(&req.Name, "name", "", "the community's `name` (required)")
	cmd.Flags().StringVar(&req.Domain, "domain", "", "its domain of practice, in a line")
	cmd.Flags().StringVar(&req.Charter, "charter", "", "its charter (Markdown)")
	cmd.Flags().BoolVar(&req.InviteOnly, "invite-only", false, "admit members only with a moderator's invite")
	cmd.MarkFlagRequired("name")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		id, err := cl.CreateCommunity(ctx, req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) communityListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List the communities this node holds", Args: noArgs}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		cs, err := cl.Communities(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), cs)
		}
		printCommunities(cmd.OutOrStdout(), cs)
		return nil
	})
	return cmd
}

func (c *cli) communityInviteCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "invite COMMUNITY_ID", Short: "Make an invite code for a newcomer", Args: exactArgs(1)}
	var req api.InviteRequest
	uses := cmd.Flags().Uint32("uses", 1, "how many people the code admits (invite-only communities)")
	expires := cmd.Flags().String("expires", "168h", "how long the code is valid, like 72h or 3d (invite-only communities)")
	cmd.Flags().StringVar(&req.Label, "label", "", "a `label` for the invite in the moderators' list, such as \"Acme pilot team\" (invite-only communities)")
	cmd.Flags().BoolVar(&req.Device, "device", false, "a code for another device of yours (after 'kith init --import'): it admits no one new to an invite-only community, so any member may make one (an open community admits anyone anyway)")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		// Sent only when given: the daemon refuses limits where no node
		// would enforce them (an open community, a device code), and
		// has the same defaults.
		if cmd.Flags().Changed("uses") {
			if *uses == 0 {
				return fmt.Errorf("--uses must be at least 1")
			}
			req.Uses = *uses
		}
		if cmd.Flags().Changed("expires") {
			req.Expires = *expires
		}
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		code, err := cl.Invite(ctx, id, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), code)
		}
		if !code.Invite.IsZero() {
			fmt.Fprintf(cmd.ErrOrStderr(), "invite %s (withdraw it with `kith community revoke %s %s`)\n", code.Invite, id, code.Invite)
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), code.Code)
		return err
	})
	return cmd
}

// communityInvitesCmd is `kith community invites ID`: the invites of an
// invite-only community with their state, and the ids revoke takes.
func (c *cli) communityInvitesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "invites COMMUNITY_ID", Short: "List a community's invites: uses, expiry, whether still open (the ids revoke takes)", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		list, err := cl.Invites(ctx, id)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(out, "no invites (an open community needs none: any code lets one in)")
			return nil
		}
		names := authorNames(ctx, cl, id)
		tw := newTable(out)
		fmt.Fprintln(tw, "INVITE\tMADE\tBY\tUSES\tEXPIRES\tSTATE\tLABEL")
		for _, inv := range list {
			uses := fmt.Sprint(inv.Uses)
			if inv.MaxUses != 0 {
				uses += fmt.Sprintf("/%d", inv.MaxUses)
			}
			expires := ""
			if inv.Expires != 0 {
				expires = time.UnixMilli(inv.Expires).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short(inv.ID), time.UnixMilli(inv.Created).Format("2006-01-02 15:04"),
				who(names, inv.Author), uses, expires, inv.State, inv.Label)
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) communityRevokeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "revoke COMMUNITY_ID INVITE_ID", Short: "Withdraw an invite: later joins with its code admit no one (moderators)", Args: exactArgs(2)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		id, err := cl.RevokeInvite(ctx, ids[0], ids[1])
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) communityJoinCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "join CODE", Short: "Join a community with an invite code", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		// A big community's history takes minutes to come: the join shows
		// the community's sync as it goes.
		var community protocol.ID
		if inv, err := node.ParseInvite(args[0], time.Now()); err == nil {
			community = inv.Community()
		}
		before, held := communityState(ctx, cl, community)
		progress := newProgressLine(cmd.ErrOrStderr())
		id, err := waitShowing(progress, func() (protocol.ID, error) { return cl.Join(ctx, args[0]) }, func() string {
			if co, ok := communityState(ctx, cl, community); ok && co.Sync.InProgress && co.Sync.Fetched > 0 {
				return fmt.Sprintf("joining %s: %d records of its history fetched", co.Name, co.Sync.Fetched)
			}
			return ""
		})
		progress.end(false)
		if err != nil && interrupted(ctx) {
			return joinInterrupted(cmd.Context(), cl, community)
		}
		if err != nil {
			return err
		}
		if held && slices.Contains([]string{"founder", "moderator", "member"}, before.Standing) {
			// The join fetched the history again; nothing else changed.
			fmt.Fprintf(cmd.ErrOrStderr(), "you were a member of %s already (%s): its history was fetched again\n", termText(before.Name), before.Standing)
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) communitySyncCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sync COMMUNITY_ID", Short: "Sync a community with its connected peers now", Args: exactArgs(1)}
	wait := cmd.Flags().Bool("wait", false, "wait until done, showing progress, and say what was exchanged")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if !*wait {
			ans, err := cl.Sync(ctx, id, false)
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(out, ans)
			}
			fmt.Fprintln(out, "sync started; `kith community list` shows how it stands")
			return nil
		}
		progress := newProgressLine(cmd.ErrOrStderr())
		ans, err := waitShowing(progress, func() (api.SyncAnswer, error) { return cl.Sync(ctx, id, true) }, func() string {
			if co, ok := communityState(ctx, cl, id); ok && co.Sync.InProgress && !*asJSON {
				return progressBar(co.Sync.Fetched, co.Sync.Missing)
			}
			return ""
		})
		progress.end(false)
		if err != nil {
			return err
		}
		failed := 0
		for _, res := range ans.Results {
			if res.Error != "" {
				failed++
			}
		}
		var noneSynced error
		if failed > 0 && failed == len(ans.Results) {
			noneSynced = errors.New("no peer synced the community (the results say why)")
		}
		if *asJSON {
			if err := printJSON(out, ans); err != nil {
				return err
			}
			return noneSynced
		}
		for _, res := range ans.Results {
			if res.Error != "" {
				fmt.Fprintf(out, "%.16s…: failed: %s\n", res.Peer, res.Error)
				continue
			}
			fmt.Fprintf(out, "%.16s…: fetched %d, sent %d records (%d rounds, %d bytes)\n", res.Peer, res.Fetched, res.Sent, res.Rounds, res.Bytes)
		}
		return noneSynced
	})
	return cmd
}

// waitShowing runs call (one request to the daemon, which may take long)
// and, every 200 ms until it returns, shows on line what state says (from
// other requests), unless it says "".
func waitShowing[T any](line *progressLine, call func() (T, error), state func() string) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r.v, r.err
		case <-tick.C:
			if s := state(); s != "" {
				line.show(s)
			}
		}
	}
}

// joinInterrupted says what became of a join stopped by Ctrl-C: the
// daemon may have joined already (the invite then counts as used), with
// part of the history or none.
func joinInterrupted(ctx context.Context, cl *client.Client, community protocol.ID) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	co, ok := communityState(ctx, cl, community)
	switch {
	case !ok || co.Records == 0:
		return errors.New("the join did not finish: run the same command again")
	case co.Standing == "none" || co.Standing == "":
		// The inviter's node took the join (a one-use invite is used by
		// it); this node learns it is a member when the records that
		// admit it come, among the last of the history.
		return fmt.Errorf("the join was handed over, and this node holds %s of %s so far: run the same command again to fetch the rest "+
			"(the invite this join used lets you in again)", count(int(co.Records), "record"), co.Name)
	}
	return fmt.Errorf("you joined %s, as %s; this node holds %s of it so far: "+
		"the rest comes with sync, or run the same command again to fetch it now", co.Name, co.Standing, count(int(co.Records), "record"))
}

// communityState is what the daemon says of a community it holds, if it
// answers and holds it.
func communityState(ctx context.Context, cl *client.Client, id protocol.ID) (api.Community, bool) {
	cs, err := cl.Communities(ctx)
	if err != nil {
		return api.Community{}, false
	}
	for _, co := range cs {
		if co.ID == id {
			return co, true
		}
	}
	return api.Community{}, false
}

// progressBar draws "[#####.....] 50 of 100 records".
func progressBar(done, total int) string {
	const width = 30
	if total <= 0 {
		return "reconciling..."
	}
	filled := min(width, done*width/total)
	return fmt.Sprintf("[%s%s] %d of %d records", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
}
