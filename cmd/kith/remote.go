package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The commands that talk to the running daemon. None of them opens the
// store: only the daemon does.

// client returns an API client for the home directory's daemon.
func (c *cli) client() (*client.Client, error) {
	h, err := c.home()
	if err != nil {
		return nil, err
	}
	return client.New(h)
}

// remoteBody is the body of a command that needs the daemon.
type remoteBody func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error

// remote wraps a command body that needs the daemon and answers at once:
// a daemon that does not answer within 2 minutes fails the command rather
// than hanging it.
func (c *cli) remote(run remoteBody) func(*cobra.Command, []string) error {
	return c.remoteWithin(2*time.Minute, run)
}

// remoteLong wraps a command body whose work takes as long as it takes
// (an import, an export, a join or a sync of a big community): only
// Ctrl-C ends it.
func (c *cli) remoteLong(run remoteBody) func(*cobra.Command, []string) error {
	return c.remoteWithin(0, run)
}

// errInterrupted is the error of a command stopped by Ctrl-C.
var errInterrupted = errors.New("interrupted")

// remoteWithin runs a command body with a context that Ctrl-C (or
// SIGTERM) cancels, rather than killing the command, so that it cleans up
// (no temporary file left) and says what became of its work; a second
// Ctrl-C kills it. A limit of 0 is none.
func (c *cli) remoteWithin(limit time.Duration, run remoteBody) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cl, err := c.client()
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		context.AfterFunc(ctx, stop)
		if limit > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, limit)
			defer cancel()
		}
		err = run(ctx, cl, cmd, args)
		if err != nil && interrupted(ctx) {
			return fmt.Errorf("%w: %w", errInterrupted, err)
		}
		return err
	}
}

// interrupted reports whether ctx ended by a signal (Ctrl-C), not by its
// limit or its parent: the signal's cause is an error of its own, which
// only says it Is context.Canceled.
func interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled) && context.Cause(ctx) != context.Canceled
}

func (c *cli) statusCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "status", Short: "Show the running daemon's identity, addresses, communities and peers", Args: noArgs}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		st, err := cl.Status(ctx)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, st)
		}
		fmt.Fprintf(out, "member key: %s\npeer id:    %s\npeers:      %d connected\n", st.MemberKey, st.PeerID, st.Peers)
		for _, a := range st.Addresses {
			fmt.Fprintf(out, "address:    %s\n", a)
		}
		if st.Clock.Off {
			fmt.Fprintf(out, "clock:      off (by %s): %s\n", plural(st.Clock.Peers, "peer"), st.Clock.Advice)
		}
		printCommunities(out, st.Communities)
		return nil
	})
	return cmd
}

func printCommunities(out io.Writer, cs []api.Community) {
	if len(cs) == 0 {
		fmt.Fprintln(out, "no communities yet: create one with `kith community create` or join with `kith community join CODE`")
		return
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "COMMUNITY\tNAME\tPOLICY\tMEMBERS\tRECORDS\tYOU\tSYNC")
	for _, c := range cs {
		policy := "open"
		if c.InviteOnly {
			policy = "invite-only"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", short(c.ID), c.Name, policy, c.Members, c.Records, c.Standing, syncWords(c.Sync))
	}
	tw.Flush()
	for _, c := range cs {
		switch c.Standing {
		case protocol.StandingNone.String():
			fmt.Fprintf(out, "you are not a member of %s (%s): this node holds its records (imported from an archive, "+
				"or from a join that was not taken or was interrupted); to take part, run `kith community join` with a code "+
				"from a member (again, after a join that failed)\n", c.Name, short(c.ID))
		case protocol.StandingRemoved.String():
			shared := "members' nodes no longer share it with this node, and "
			if !c.InviteOnly {
				shared = "" // anyone may read an open community
			}
			fmt.Fprintf(out, "a moderator removed you from %s (%s): %syour records there are refused (`kith community log %s` says why)\n",
				c.Name, short(c.ID), shared, short(c.ID))
			if c.Unshared > 0 {
				fmt.Fprintf(out, "  %s you wrote there after the removal reached no one: `kith community unshared %s` shows them\n",
					count(c.Unshared, "record"), short(c.ID))
			}
		}
	}
}

// syncWords says where sync stands, in words.
func syncWords(s api.SyncState) string {
	switch {
	case s.InProgress && s.Missing > 0:
		return fmt.Sprintf("syncing: %d of %d missing records fetched", s.Fetched, s.Missing)
	case s.InProgress && s.Fetched > 0:
		return fmt.Sprintf("syncing: %d records fetched", s.Fetched)
	case s.InProgress:
		return "syncing: comparing records with a member's node"
	case s.LastError != "":
		return "last sync failed: " + s.LastError
	case s.LastSync == 0:
		return "not synced yet"
	}
	return fmt.Sprintf("synced %s ago with %.12s…", time.Since(time.UnixMilli(s.LastSync)).Round(time.Second), s.LastPeer)
}

func (c *cli) peersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "peers", Short: "List connected peers", Args: noArgs}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		ps, err := cl.Peers(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), ps)
		}
		if len(ps) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "no peer is connected (kith connect ADDRESS dials one; invite codes carry addresses)")
			return nil
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "PEER ID\tMEMBER\tADDRESSES\tNOTES")
		for _, p := range ps {
			member := "-"
			if p.Member != nil {
				member = termText(api.Who(p.MemberName, *p.Member))
			}
			var notes []string
			if p.Relayed {
				notes = append(notes, "relayed")
			}
			if p.GossipScore != nil && *p.GossipScore < 0 {
				notes = append(notes, fmt.Sprintf("gossip score %.0f", *p.GossipScore))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.PeerID, member, strings.Join(p.Addresses, " "), strings.Join(notes, ", "))
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) connectCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "connect MULTIADDR", Short: "Connect to a peer", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		p, err := cl.Connect(ctx, args[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), p)
		}
		if p.AlreadyConnected {
			fmt.Fprintf(cmd.OutOrStdout(), "already connected to %s, via %s (the address given was not dialled; it is tried at a dial in the next hour)\n",
				p.PeerID, strings.Join(p.Addresses, ", "))
			return nil
		}
		fmt.Fprintf(cmd.OutOrStdout(), "connected to %s\n", p.PeerID)
		return nil
	})
	return cmd
}

// printCreated prints the id of a new record: alone, or as JSON.
func printCreated(cmd *cobra.Command, asJSON bool, id protocol.ID) error {
	if asJSON {
		return printJSON(cmd.OutOrStdout(), api.Created{ID: id})
	}
	_, err := fmt.Fprintln(cmd.OutOrStdout(), id)
	return err
}

// collect fetches every page of a list, 500 items at a time.
func collect[T any](fetch func(cursor string, limit int) ([]T, string, error)) ([]T, error) {
	items := []T{}
	for cursor := ""; ; {
		page, next, err := fetch(cursor, 500)
		if err != nil {
			return nil, err
		}
		items = append(items, page...)
		if cursor = next; cursor == "" {
			return items, nil
		}
	}
}

// count writes "1 thread", "2 threads", "3 communities".
func count[N int | int64 | uint64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
