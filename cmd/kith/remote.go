package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
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

// remote wraps a command body that needs the daemon.
func (c *cli) remote(run func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cl, err := c.client()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
		defer cancel()
		return run(ctx, cl, cmd, args)
	}
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
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMMUNITY\tNAME\tPOLICY\tMEMBERS\tRECORDS\tYOU\tSYNC")
	for _, c := range cs {
		policy := "open"
		if c.InviteOnly {
			policy = "invite-only"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c.ID, c.Name, policy, c.Members, c.Records, c.Standing, syncWords(c.Sync))
	}
	tw.Flush()
}

// syncWords says where sync stands, in words.
func syncWords(s api.SyncState) string {
	switch {
	case s.InProgress:
		return fmt.Sprintf("syncing: %d of %d missing records fetched", s.Fetched, s.Missing)
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
		for _, p := range ps {
			fmt.Fprintf(cmd.OutOrStdout(), "%s  %s\n", p.PeerID, strings.Join(p.Addresses, " "))
		}
		return nil
	})
	return cmd
}

func (c *cli) connectCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "connect MULTIADDR", Short: "Connect to a peer", Args: cobra.ExactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		p, err := cl.Connect(ctx, args[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), p)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "connected to %s\n", p.PeerID)
		return nil
	})
	return cmd
}

func (c *cli) communityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "community", Short: "Create, list, invite to and join communities"}
	cmd.AddCommand(c.communityCreateCmd(), c.communityListCmd(), c.communityInviteCmd(), c.communityJoinCmd(), c.communitySyncCmd())
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
	cmd := &cobra.Command{Use: "invite COMMUNITY_ID", Short: "Make an invite code for a newcomer", Args: cobra.ExactArgs(1)}
	var req api.InviteRequest
	cmd.Flags().Uint32Var(&req.Uses, "uses", 1, "how many people the code admits (invite-only communities)")
	cmd.Flags().StringVar(&req.Expires, "expires", "168h", "how long the code is valid (invite-only communities)")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := protocol.ParseID(args[0])
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
		_, err = fmt.Fprintln(cmd.OutOrStdout(), code.Code)
		return err
	})
	return cmd
}

func (c *cli) communityJoinCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "join CODE", Short: "Join a community with an invite code", Args: cobra.ExactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := cl.Join(ctx, args[0])
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) communitySyncCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sync COMMUNITY_ID", Short: "Sync a community with its connected peers now", Args: cobra.ExactArgs(1)}
	wait := cmd.Flags().Bool("wait", false, "wait until done, showing progress, and say what was exchanged")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := protocol.ParseID(args[0])
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
		// Run the sync in one request and show progress from another.
		type result struct {
			ans api.SyncAnswer
			err error
		}
		done := make(chan result, 1)
		go func() {
			ans, err := cl.Sync(ctx, id, true)
			done <- result{ans, err}
		}()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		progress := cmd.ErrOrStderr()
		for {
			select {
			case r := <-done:
				if !*asJSON {
					fmt.Fprint(progress, "\r\033[K")
				}
				if r.err != nil {
					return r.err
				}
				if *asJSON {
					return printJSON(out, r.ans)
				}
				for _, res := range r.ans.Results {
					if res.Error != "" {
						fmt.Fprintf(out, "%.16s…: failed: %s\n", res.Peer, res.Error)
						continue
					}
					fmt.Fprintf(out, "%.16s…: fetched %d, sent %d records (%d rounds, %d bytes)\n", res.Peer, res.Fetched, res.Sent, res.Rounds, res.Bytes)
				}
				return nil
			case <-tick.C:
				if *asJSON {
					continue
				}
				cs, err := cl.Communities(ctx)
				if err != nil {
					continue
				}
				for _, co := range cs {
					if co.ID == id && co.Sync.InProgress {
						fmt.Fprintf(progress, "\r\033[K%s", progressBar(co.Sync.Fetched, co.Sync.Missing))
					}
				}
			}
		}
	})
	return cmd
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

func (c *cli) postCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "post", Short: "Start, list and read threads"}
	cmd.AddCommand(c.postNewCmd(), c.postListCmd(), c.postShowCmd())
	return cmd
}

func (c *cli) postNewCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "new COMMUNITY_ID", Short: "Start a thread (prints its id)", Args: cobra.ExactArgs(1)}
	var req api.PostRequest
	cmd.Flags().StringVar(&req.Title, "title", "", "the thread's `title` (required)")
	cmd.Flags().StringVar(&req.Body, "body", "", "its text (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&req.Tags, "tag", nil, "a `tag` (repeatable)")
	question := cmd.Flags().Bool("question", false, "a question (default: a discussion)")
	announcement := cmd.Flags().Bool("announcement", false, "an announcement")
	cmd.MarkFlagRequired("title")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := protocol.ParseID(args[0])
		if err != nil {
			return err
		}
		if req.Body == "-" {
			b, err := io.ReadAll(io.LimitReader(os.Stdin, protocol.MaxBodyBytes+1))
			if err != nil {
				return fmt.Errorf("read body from standard input: %w", err)
			}
			req.Body = string(b)
		}
		switch {
		case *question && *announcement:
			return fmt.Errorf("a post is a question or an announcement, not both")
		case *question:
			req.Type = "question"
		case *announcement:
			req.Type = "announcement"
		}
		pid, err := cl.Post(ctx, id, req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, pid)
	})
	return cmd
}

func (c *cli) postListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list COMMUNITY_ID", Short: "List threads, newest first", Args: cobra.ExactArgs(1)}
	limit := cmd.Flags().Int("limit", 20, "how many threads")
	all := cmd.Flags().Bool("all", false, "every thread")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := protocol.ParseID(args[0])
		if err != nil {
			return err
		}
		if *limit < 1 && !*all {
			return fmt.Errorf("--limit must be at least 1")
		}
		items := []api.Thread{}
		for cursor := ""; ; {
			want := *limit - len(items)
			if *all {
				want = 500
			}
			page, err := cl.Threads(ctx, id, cursor, want)
			if err != nil {
				return err
			}
			items = append(items, page.Items...)
			cursor = page.Next
			if cursor == "" || (!*all && len(items) >= *limit) {
				break
			}
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), items)
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POST\tWHEN\tTYPE\tREPLIES\tTITLE")
		for _, t := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", t.ID, time.UnixMilli(t.Created).Format("2006-01-02 15:04"), t.Type, t.Replies, t.Title)
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) postShowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "show POST_ID", Short: "Show a thread with its replies", Args: cobra.ExactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := protocol.ParseID(args[0])
		if err != nil {
			return err
		}
		t, err := cl.Thread(ctx, id)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, t)
		}
		fmt.Fprintf(out, "%s\n%s · %s · by %.16s…\n\n%s\n", t.Title, t.Type, time.UnixMilli(t.Created).Format(time.RFC1123), t.Author, t.Body)
		for _, r := range t.Replies {
			mark := ""
			if t.AcceptedReply != nil && t.AcceptedReply.ID == r.ID {
				mark = " (accepted answer)"
			}
			fmt.Fprintf(out, "\n— %.16s… at %s%s\n%s\n", r.Author, time.UnixMilli(r.Created).Format("2006-01-02 15:04"), mark, r.Body)
		}
		return nil
	})
	return cmd
}
