package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
	"github.com/spf13/cobra"
)

// The post commands: new, list, show, reply, accept, edit.

func (c *cli) postCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "post", Short: "Start, list, read and answer threads"}
	cmd.AddCommand(c.postNewCmd(), c.postListCmd(), c.postShowCmd(), c.postReplyCmd(), c.postAcceptCmd(), c.postUnacceptCmd(), c.postEditCmd(), c.postVersionsCmd(),
		c.moderateCmd("delete ID", "Delete a post, reply, note or event with its edits, or one edit or note revision by its id (its author or a moderator): the text is purged from every member's disk; a note's first revision deletes the whole note (--whole-note confirms it when others wrote revisions)", (*client.Client).Delete),
		c.moderateCmd("hide ID", "Hide a post, reply, note or event from view (moderators)", (*client.Client).Hide),
		c.moderateCmd("unhide ID", "Show a hidden post, reply, note or event again (moderators)", (*client.Client).Unhide),
		c.hiddenCmd())
	return cmd
}

// readBody returns body, or standard input when body is "-". Text read
// from standard input is kept, to be saved as a draft if the command then
// fails (saveDraft): what a member typed is never lost to a refusal.
func (c *cli) readBody(body string) (string, error) {
	if body != "-" {
		return body, nil
	}
	// Read far past the limit, so that a text too long is refused here
	// and saved whole.
	b, err := io.ReadAll(io.LimitReader(os.Stdin, maxStdinBytes+1))
	c.typed += string(b)
	switch {
	case err != nil:
		return "", fmt.Errorf("read body from standard input: %w", err)
	case len(b) > maxStdinBytes:
		return "", fmt.Errorf("standard input is over %d MiB: not a text for a record (what was read is kept)", maxStdinBytes>>20)
	case len(b) > protocol.MaxBodyBytes:
		return "", fmt.Errorf("the text is %d bytes: a record's text, title and tags take at most %d", len(b), protocol.MaxBodyBytes)
	}
	return string(b), nil
}

// maxStdinBytes bounds what is read from standard input.
const maxStdinBytes = 64 << 20

func (c *cli) postNewCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "new COMMUNITY_ID", Short: "Start a thread (prints its id)", Args: exactArgs(1)}
	var req api.PostRequest
	cmd.Flags().StringVar(&req.Title, "title", "", "the thread's `title` (required)")
	cmd.Flags().StringVar(&req.Body, "body", "", "its text (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&req.Tags, "tag", nil, "a `tag` (repeatable)")
	attach := addAttachFlag(cmd)
	question := cmd.Flags().Bool("question", false, "a question (default: a discussion)")
	announcement := cmd.Flags().Bool("announcement", false, "an announcement")
	cmd.MarkFlagRequired("title")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		if *question && *announcement {
			return fmt.Errorf("a post is a question or an announcement, not both")
		}
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		switch {
		case *question:
			req.Type = "question"
		case *announcement:
			req.Type = "announcement"
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
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
	cmd := &cobra.Command{Use: "list COMMUNITY_ID", Short: "List threads, newest first", Args: exactArgs(1)}
	limit := cmd.Flags().Int("limit", 20, "how many threads")
	all := cmd.Flags().Bool("all", false, "every thread")
	var q api.ThreadQuery
	cmd.Flags().StringVar(&q.Tag, "tag", "", "only threads with this `tag`")
	cmd.Flags().StringVar(&q.Type, "type", "", "only threads of this `type`: question, discussion or announcement")
	cmd.Flags().BoolVar(&q.Unanswered, "unanswered", false, "only questions without an accepted answer")
	cmd.Flags().BoolVar(&q.Active, "active", false, "most recent activity first")
	asJSON := addJSONFlag(cmd)
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if *all && cmd.Flags().Changed("limit") {
			return fmt.Errorf("--limit or --all, not both")
		}
		return nil
	}
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		if *limit < 1 && !*all {
			return fmt.Errorf("--limit must be at least 1")
		}
		items := []api.Thread{}
		cursor := ""
		for {
			want := *limit - len(items)
			if *all {
				want = 500
			}
			q.Cursor, q.Limit = cursor, want
			page, err := cl.Threads(ctx, id, q)
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
		if len(items) == 0 {
			// On standard error, so that what a script reads stays empty.
			fmt.Fprintln(cmd.ErrOrStderr(), "no thread to list")
			return nil
		}
		tw := newTable(cmd.OutOrStdout())
		header := "POST\tWHEN\tTYPE\tREPLIES\tTITLE"
		if q.Active {
			header = "POST\tACTIVE\tTYPE\tREPLIES\tTITLE"
		}
		fmt.Fprintln(tw, header)
		for _, t := range items {
			typ := t.Type
			if t.Accepted != nil {
				typ += " ✓"
			}
			when := t.Created
			if q.Active { // the order is by latest activity: show it
				when = t.LastActivity
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", short(t.ID), time.UnixMilli(when).Format("2006-01-02 15:04"), typ, t.Replies, t.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		// Notes on standard error, so that what a script reads stays the table.
		if cursor != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "the first %s: more with --limit N or --all\n", count(len(items), "thread"))
		}
		return nil
	})
	return cmd
}

func (c *cli) postShowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "show POST_ID", Short: "Show a thread with its replies", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
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
		edited := ""
		if t.Edited != 0 {
			edited = " · edited " + time.UnixMilli(t.Edited).Format("2006-01-02 15:04")
		}
		names := authorNames(ctx, cl, t.Community)
		fmt.Fprintf(out, "%s\n%s · %s · by %s%s%s\n\n%s\n", t.Title, t.Type, time.UnixMilli(t.Created).Format(time.RFC1123), who(names, t.Author), edited, reactionsText(t.Reactions), termText(t.Body))
		printTags(out, t.Tags)
		printFiles(out, t.Files)
		if t.Note != nil {
			fmt.Fprintf(out, "\nmade into the note %s (kith note show %s)\n", t.Note, short(t.Note))
		}
		listed := false
		for _, r := range t.Replies {
			listed = listed || t.AcceptedReply != nil && t.AcceptedReply.ID == r.ID
		}
		if a := t.AcceptedReply; a != nil && !listed { // past the replies shown
			fmt.Fprintf(out, "\n— accepted answer %s by %s at %s\n%s\n", a.ID, who(names, a.Author), time.UnixMilli(a.Created).Format("2006-01-02 15:04"), termText(a.Body))
			printFiles(out, a.Files)
		}
		for _, r := range t.Replies {
			var marks []string
			if r.ReplyTo != nil {
				to := "in reply to " + short(*r.ReplyTo)
				if a := r.ReplyToAuthor; a != nil {
					to += " by " + who(names, *a)
				}
				marks = append(marks, to)
			}
			if t.AcceptedReply != nil && t.AcceptedReply.ID == r.ID {
				marks = append(marks, "accepted answer")
			}
			if r.Edited != 0 {
				marks = append(marks, "edited "+time.UnixMilli(r.Edited).Format("2006-01-02 15:04"))
			}
			if r.Deleted {
				marks = append(marks, "deleted")
			}
			if rt := reactionsText(r.Reactions); rt != "" {
				marks = append(marks, strings.TrimPrefix(rt, " · "))
			}
			mark := ""
			if len(marks) > 0 {
				mark = " (" + strings.Join(marks, "; ") + ")" // a name may hold a comma
			}
			fmt.Fprintf(out, "\n— %s by %s at %s%s\n%s\n", r.ID, who(names, r.Author), time.UnixMilli(r.Created).Format("2006-01-02 15:04"), mark, termText(r.Body))
			printFiles(out, r.Files)
		}
		if t.RepliesCut {
			fmt.Fprintf(out, "\n(only the first %d replies are shown; the thread has %d)\n", len(t.Replies), t.Thread.Replies)
		}
		return nil
	})
	return cmd
}

func (c *cli) postReplyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "reply POST_ID", Short: "Reply to a thread, or to a reply in it (prints the reply's id)", Args: exactArgs(1)}
	var req api.ReplyRequest
	cmd.Flags().StringVar(&req.Body, "body", "", "the reply (Markdown); - reads standard input")
	attach := addAttachFlag(cmd)
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		if req.Body == "" && len(*attach) == 0 {
			return fmt.Errorf("a reply needs --body or --attach")
		}
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
		}
		rid, err := cl.Reply(ctx, id, req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, rid)
	})
	return cmd
}

func (c *cli) postAcceptCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "accept REPLY_ID", Short: "Mark a reply as the accepted answer to its question (the asker or a moderator)", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		aid, err := cl.Accept(ctx, id)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, aid)
	})
	return cmd
}

func (c *cli) postUnacceptCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "unaccept POST_ID", Short: "Withdraw a question's accepted answer, so that it has none (the asker or a moderator)", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		tid, err := cl.Unaccept(ctx, id)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, tid)
	})
	return cmd
}

func (c *cli) postEditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "edit ID", Short: "Write a new version of your post or reply: text, title, tags, files (the old versions stay: post versions)", Args: exactArgs(1)}
	var req api.EditRequest
	cmd.Flags().StringVar(&req.Title, "title", "", "a new `title` (posts)")
	cmd.Flags().StringVar(&req.Body, "body", "", "the new text (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&req.Tags, "tag", nil, "the post's `tags`, replacing the old ones (repeatable)")
	cmd.Flags().StringArrayVar(&req.Clear, "clear", nil, "empty a post's `FIELD`: body or tags (repeatable)")
	attach := addAttachFlag(cmd)
	remove := addRemoveFileFlag(cmd)
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		if err := refuseEmpty(cmd, "post or reply", "title", "body", "tag"); err != nil {
			return err
		}
		if req.Title == "" && req.Body == "" && req.Tags == nil && len(req.Clear) == 0 && len(*attach) == 0 && len(*remove) == 0 {
			return fmt.Errorf("nothing to change: give --title, --body, --tag, --clear, --attach or --remove-file")
		}
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		if req.Remove, err = resolveFiles(ctx, cl, *remove); err != nil {
			return err
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
		}
		eid, err := cl.Edit(ctx, id, req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, eid)
	})
	return cmd
}

// reactionsText is " · 2 helpful, 1 +1" or "" when nobody reacted.
func reactionsText(r api.Reactions) string {
	var parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{r.Helpful, "helpful"}, {r.PlusOne, "+1"}, {r.Applied, "applied"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " · " + strings.Join(parts, ", ")
}

// printTags prints a record's tags on a line of their own, if it has any.
func printTags(out io.Writer, tags []string) {
	if len(tags) > 0 {
		fmt.Fprintf(out, "tags: %s\n", strings.Join(tags, ", "))
	}
}
