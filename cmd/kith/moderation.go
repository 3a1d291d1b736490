package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The moderation commands: member roles, deleting, hiding and showing
// records again.

func (c *cli) memberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Change members' roles (moderators)"}
	role := func(use, short, action string, args int) *cobra.Command {
		sub := &cobra.Command{Use: use, Short: short, Args: exactArgs(args)}
		reason := sub.Flags().String("reason", "", "why, for the record")
		asJSON := addJSONFlag(sub)
		sub.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
			ids, err := resolveCommunityArgs(ctx, cl, args[:1])
			if err != nil {
				return err
			}
			member, err := resolveMember(ctx, cl, ids[0], args[1])
			if err != nil {
				return err
			}
			if args := args[2:]; len(args) == 1 && args[0] != "moderator" {
				return fmt.Errorf("the only role is moderator, not %q", args[0])
			}
			id, err := cl.SetRole(ctx, ids[0], api.RoleRequest{Member: member, Action: action, Reason: *reason})
			if err != nil {
				return err
			}
			return printCreated(cmd, *asJSON, id)
		})
		return sub
	}
	cmd.AddCommand(
		role("grant COMMUNITY_ID MEMBER moderator", "Make a member a moderator (moderators only)", "moderator", 3),
		role("revoke COMMUNITY_ID MEMBER moderator", "Make a moderator a plain member again (moderators only)", "revoke", 3),
		role("remove COMMUNITY_ID MEMBER", "Remove a member: their later records are refused everywhere (moderators only)", "remove", 2),
		role("admit COMMUNITY_ID MEMBER", "Admit someone, also after a removal (moderators only)", "admit", 2),
	)
	return cmd
}

// moderateCmd is post delete, hide and unhide.
func (c *cli) moderateCmd(use, short string, act func(*client.Client, context.Context, protocol.ID, api.ModerationRequest) (protocol.ID, error)) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: exactArgs(1)}
	var req api.ModerationRequest
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why, for the record")
	if strings.HasPrefix(use, "delete") {
		cmd.Flags().BoolVar(&req.WholeNote, "whole-note", false, "confirm deleting a note's first revision, which deletes the whole note with every member's revisions")
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		id, err := act(cl, ctx, ids[0], req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

// hiddenCmd is `kith post hidden COMMUNITY`: what moderators keep out of
// view, by whom and why, with the ids `post unhide` takes.
func (c *cli) hiddenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hidden COMMUNITY_ID", Short: "List what moderators hid, by whom and why (post unhide ID shows it again)", Args: exactArgs(1)}
	communityList(c, cmd, func(ctx context.Context, cl *client.Client, id protocol.ID, cursor string, limit int) ([]api.HiddenRecord, string, error) {
		page, err := cl.Hidden(ctx, id, cursor, limit)
		return page.Items, page.Next, err
	}, "nothing is hidden", authorNames, func(tw io.Writer, names map[protocol.PublicKey]string, items []api.HiddenRecord) {
		fmt.Fprintln(tw, "ID\tKIND\tAUTHOR\tHIDDEN\tBY\tREASON\tTITLE")
		for _, h := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", short(h.ID), h.Kind, who(names, h.Author),
				time.UnixMilli(h.HiddenAt).Format("2006-01-02 15:04"), who(names, h.HiddenBy), h.Reason, h.Title)
		}
	})
	return cmd
}

// moderationLogCmd is `kith community log ID`: what the moderators did,
// newest first, with the reasons they gave.
func (c *cli) moderationLogCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "log COMMUNITY_ID", Short: "What the moderators did (roles, hides, deletions), newest first, with their reasons", Args: exactArgs(1)}
	communityList(c, cmd, func(ctx context.Context, cl *client.Client, id protocol.ID, cursor string, limit int) ([]api.ModerationEntry, string, error) {
		page, err := cl.ModerationLog(ctx, id, cursor, limit)
		return page.Items, page.Next, err
	}, "the moderators have done nothing yet", authorNames, func(tw io.Writer, names map[protocol.PublicKey]string, items []api.ModerationEntry) {
		fmt.Fprintln(tw, "WHEN\tBY\tDID\tTO\tREASON")
		for _, e := range items {
			on := e.Title
			switch {
			case e.Member != nil:
				on = who(names, *e.Member)
			case e.Target != nil && on == "":
				on = short(*e.Target)
			case e.Target != nil:
				on = short(*e.Target) + " " + on
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", time.UnixMilli(e.At).Format("2006-01-02 15:04"), who(names, e.By), e.Did(), on, e.Reason)
		}
	})
	return cmd
}

// communityList makes cmd list everything of one community a paged API
// list holds: as JSON with --json, else a sentence if there is nothing,
// or a table that table writes with the community's names (from names:
// authorNames); with names nil, table writes plain text.
func communityList[T any](c *cli, cmd *cobra.Command, page func(ctx context.Context, cl *client.Client, community protocol.ID, cursor string, limit int) ([]T, string, error),
	empty string, names func(context.Context, *client.Client, protocol.ID) map[protocol.PublicKey]string, table func(tw io.Writer, names map[protocol.PublicKey]string, items []T)) {
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		items, err := collect(func(cursor string, limit int) ([]T, string, error) { return page(ctx, cl, ids[0], cursor, limit) })
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), items)
		}
		if len(items) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), empty)
			return nil
		}
		if names == nil {
			// Not a table: text as written, its tabs kept.
			table(cmd.OutOrStdout(), nil, items)
			return nil
		}
		tw := newTable(cmd.OutOrStdout())
		table(tw, names(ctx, cl, ids[0]), items)
		return tw.Flush()
	})
}

// unsharedCmd is `kith community unshared`: what the member wrote after a
// moderator removed them, before their node heard of it.
func (c *cli) unsharedCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "unshared COMMUNITY_ID", Short: "What you wrote after a moderator removed you, which reached no one (kept on this node only), with its text", Args: exactArgs(1)}
	communityList(c, cmd, func(ctx context.Context, cl *client.Client, id protocol.ID, cursor string, limit int) ([]api.UnsharedRecord, string, error) {
		page, err := cl.Unshared(ctx, id, cursor, limit)
		return page.Items, page.Next, err
	}, "nothing: you wrote nothing there after a removal", nil, func(w io.Writer, _ map[protocol.PublicKey]string, items []api.UnsharedRecord) {
		for i, u := range items {
			if i > 0 {
				fmt.Fprintln(w)
			}
			head := []string{api.KindWord(u.Kind), time.UnixMilli(u.Created).Format("2006-01-02 15:04"), short(u.ID)}
			if u.InID != nil {
				head = append(head, "in "+u.In+" "+short(*u.InID))
			}
			if u.Title != "" {
				head = append(head, u.Title)
			}
			fmt.Fprintln(w, strings.Join(head, " · "))
			for line := range strings.Lines(u.Text) {
				fmt.Fprint(w, "    "+line)
			}
			if u.Text != "" && !strings.HasSuffix(u.Text, "\n") {
				fmt.Fprintln(w)
			}
		}
	})
	return cmd
}
