package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The moderation commands: member roles, deleting and hiding records.

func (c *cli) memberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Change members' roles (moderators)"}
	role := func(use, short, action string, args int) *cobra.Command {
		sub := &cobra.Command{Use: use, Short: short, Args: exactArgs(args)}
		reason := sub.Flags().String("reason", "", "why, for the record")
		asJSON := addJSONFlag(sub)
		sub.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
			ids, err := resolveIDs(ctx, cl, args[:1])
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

// moderateCmd is post delete and post hide.
func (c *cli) moderateCmd(use, short string, act func(*client.Client, context.Context, protocol.ID, string) (protocol.ID, error)) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: exactArgs(1)}
	reason := cmd.Flags().String("reason", "", "why, for the record")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		id, err := act(cl, ctx, ids[0], *reason)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}
