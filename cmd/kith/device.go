package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/client"
)

// deviceCmd is `kith device`: the member's nodes, and retiring one.
func (c *cli) deviceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "device", Short: "List your devices (your nodes), or stop vouching for one"}
	list := &cobra.Command{Use: "list", Short: "List the nodes you vouch for, and in which communities", Args: noArgs}
	asJSON := addJSONFlag(list)
	list.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		ds, err := cl.Devices(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), ds)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "PEER ID\tNAME\tLAST VOUCHED\tCOMMUNITIES")
		unnamed := false
		for _, d := range ds {
			name := d.Name
			if name == "" {
				name, unnamed = "-", unnamed || d.This
			}
			if d.This {
				name += " (this node)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", d.PeerID, name, time.UnixMilli(d.Since).Format("2006-01-02 15:04"), len(d.Communities))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if unnamed {
			fmt.Fprintln(cmd.ErrOrStderr(), "(name this node, to tell your devices apart: kith device name \"work laptop\")")
		}
		return nil
	})
	name := &cobra.Command{Use: "name NAME", Short: "Name this node in your device list (\"\" removes the name); the members of your communities see it", Args: exactArgs(1)}
	nameJSON := addJSONFlag(name)
	name.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		n, err := cl.NameDevice(ctx, args[0])
		if err != nil {
			return err
		}
		if *nameJSON {
			return printJSON(cmd.OutOrStdout(), deviceJSON{Name: strings.TrimSpace(args[0]), Communities: n})
		}
		if strings.TrimSpace(args[0]) == "" {
			fmt.Fprintf(cmd.OutOrStdout(), "this node has no name any more in %s\n", count(n, "community"))
			return nil
		}
		fmt.Fprintf(cmd.OutOrStdout(), "this node is named %q in %s\n", strings.TrimSpace(args[0]), count(n, "community"))
		return nil
	})
	remove := &cobra.Command{Use: "remove PEER_ID", Short: "Stop vouching for one of your nodes (a retired or lost device) in every community held here", Args: exactArgs(1)}
	removeJSON := addJSONFlag(remove)
	remove.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		n, err := cl.RemoveDevice(ctx, args[0])
		if err != nil {
			return err
		}
		if *removeJSON {
			return printJSON(cmd.OutOrStdout(), deviceJSON{PeerID: args[0], Communities: n})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "no longer vouched for in %s: members' nodes send it nothing of invite-only communities any more\n", count(n, "community"))
		fmt.Fprintln(cmd.ErrOrStderr(), "(the device still holds your member key: if it was lost or stolen, that key can still sign as you; see docs/security.md)")
		return nil
	})
	cmd.AddCommand(list, name, remove)
	return cmd
}

// deviceJSON is what `kith device name --json` and `device remove --json`
// print: the name given or the device removed, and in how many
// communities that was published.
type deviceJSON struct {
	PeerID      string `json:"peer_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Communities int    `json:"communities"`
}
