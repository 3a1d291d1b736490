package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
	"github.com/spf13/cobra"
)

// The post commands: new, list, show.

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
