package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The note commands: the community's knowledge base, edited as a wiki.

func (c *cli) noteCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "note", Short: "Write, edit and read the community's knowledge notes"}
	cmd.AddCommand(c.noteNewCmd(), c.noteEditCmd(), c.noteShowCmd(), c.noteHistoryCmd(), c.noteDiffCmd(),
		c.noteRevertCmd(), c.noteListCmd(), c.notePromoteCmd())
	return cmd
}

func (c *cli) noteNewCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "new COMMUNITY_ID", Short: "Write a new note (prints its id)", Args: exactArgs(1)}
	var req api.NoteRequest
	cmd.Flags().StringVar(&req.Title, "title", "", "the note's `title` (required)")
	cmd.Flags().StringVar(&req.Body, "body", "", "its text (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&req.Tags, "tag", nil, "a `tag` (repeatable)")
	attach := addAttachFlag(cmd)
	cmd.MarkFlagRequired("title")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
		}
		id, err := cl.NewNote(ctx, ids[0], req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) notePromoteCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "promote POST_ID", Short: "Turn a thread into a note: its question and accepted answer (the note records where it came from)", Args: exactArgs(1)}
	var req api.NoteRequest
	cmd.Flags().StringVar(&req.Title, "title", "", "the note's `title` (default: the thread's)")
	cmd.Flags().StringVar(&req.Body, "body", "", "its text (default: the post and its accepted answer); - reads standard input")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		thread, err := cl.Thread(ctx, ids[0])
		if err != nil {
			return err
		}
		req.From = &ids[0]
		id, err := cl.NewNote(ctx, thread.Community, req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

// revise is the body of note edit and note revert.
func (c *cli) revise(asJSON *bool, req func(ctx context.Context, cl *client.Client, args []protocol.ID) (api.RevisionRequest, error),
	after func(ctx context.Context, cl *client.Client, cmd *cobra.Command, note, revision protocol.ID)) func(*cobra.Command, []string) error {
	return c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		r, err := req(ctx, cl, ids)
		if err != nil {
			return err
		}
		if r.Body, err = c.readBody(r.Body); err != nil {
			return err
		}
		id, err := cl.Revise(ctx, ids[0], r)
		if err != nil {
			return err
		}
		if err := printCreated(cmd, *asJSON, id); err != nil {
			return err
		}
		// A revision that follows an older one (--parent), or that met
		// an edit made apart, leaves the note in several versions: say so
		// at once rather than at the next `note show`.
		if n, err := cl.Note(ctx, ids[0]); err == nil && len(n.Heads) > 1 {
			fmt.Fprintf(cmd.ErrOrStderr(), "note %s now has %d versions (yours, and edits it did not follow): `kith note show %s` shows them, "+
				"`kith note edit %s --body -` merges them\n", short(ids[0]), len(n.Heads), short(ids[0]), short(ids[0]))
		}
		if after != nil {
			after(ctx, cl, cmd, ids[0], id)
		}
		return nil
	})
}

func (c *cli) noteEditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "edit NOTE_ID", Short: "Write a new revision of a note (any member may); it merges concurrent heads unless --parent says otherwise", Args: exactArgs(1)}
	var tmpl api.RevisionRequest
	var parents []string
	cmd.Flags().StringVar(&tmpl.Title, "title", "", "a new `title`")
	cmd.Flags().StringVar(&tmpl.Body, "body", "", "the new text (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&tmpl.Tags, "tag", nil, "the note's `tags`, replacing the old ones (repeatable)")
	cmd.Flags().StringArrayVar(&tmpl.Clear, "clear", nil, "empty a note's `FIELD`: tags")
	cmd.Flags().StringArrayVar(&parents, "parent", nil, "the `revision` your text starts from, as `note show` prints it: an edit made since then stays a version "+
		"of its own, to merge, instead of being replaced (repeatable; default: every current head)")
	attach := addAttachFlag(cmd)
	remove := addRemoveFileFlag(cmd)
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := refuseEmpty(cmd, "note", "title", "body", "tag"); err != nil {
			return err
		}
		if tmpl.Title == "" && tmpl.Body == "" && tmpl.Tags == nil && len(tmpl.Clear) == 0 && len(parents) < 2 && len(*attach) == 0 && len(*remove) == 0 {
			return fmt.Errorf("nothing to change: give --title, --body, --tag, --clear, --attach or --remove-file (or several --parent to merge)")
		}
		var replaced []api.Head // the heads the revision follows when no --parent names them
		var names map[protocol.PublicKey]string
		return c.revise(asJSON, func(ctx context.Context, cl *client.Client, ids []protocol.ID) (api.RevisionRequest, error) {
			var err error
			if tmpl.Remove, err = resolveFiles(ctx, cl, *remove); err != nil {
				return tmpl, err
			}
			if tmpl.Files, err = uploadAll(ctx, cl, *attach); err != nil {
				return tmpl, err
			}
			if len(parents) > 0 {
				ps, err := resolveIDs(ctx, cl, parents)
				tmpl.Parents = ps
				return tmpl, err
			}
			// The heads as they are now, named: an edit coming in
			// meanwhile becomes a version of its own, not replaced unseen.
			n, err := cl.Note(ctx, ids[0])
			if err != nil {
				return tmpl, err
			}
			for _, h := range n.Heads {
				tmpl.Parents = append(tmpl.Parents, h.ID)
			}
			replaced, names = n.Heads, authorNames(ctx, cl, n.Community)
			return tmpl, nil
		}, func(ctx context.Context, cl *client.Client, cmd *cobra.Command, note, revision protocol.ID) {
			// Say whose text the revision replaces when it is someone
			// else's: an edit that came after the member read the note is
			// replaced too, and this is where they learn it.
			st, err := cl.Status(ctx)
			if err != nil {
				return
			}
			for _, h := range replaced {
				if h.Author != st.MemberKey {
					fmt.Fprintf(cmd.ErrOrStderr(), "(it replaces %s's revision %s of %s: if you had not read that one, `kith note diff %s %s %s` shows what yours changed in it, "+
						"and --parent with the revision you read keeps such an edit as a version of its own)\n",
						who(names, h.Author), short(h.ID), time.UnixMilli(h.Created).Format("2006-01-02 15:04"), short(note), short(h.ID), short(revision))
				}
			}
		})(cmd, args)
	}
	return cmd
}

func (c *cli) noteRevertCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "revert NOTE_ID REVISION", Short: "Write a new revision with an earlier revision's text", Args: exactArgs(2)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.revise(asJSON, func(_ context.Context, _ *client.Client, ids []protocol.ID) (api.RevisionRequest, error) {
		return api.RevisionRequest{Revert: &ids[1]}, nil
	}, nil)
	return cmd
}

func (c *cli) noteShowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "show NOTE_ID", Short: "Show a note's current text (and every head if edits were made apart)", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		n, err := cl.Note(ctx, ids[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, n)
		}
		current := ""
		if len(n.Heads) == 1 {
			// What an edit starts from (note edit --parent).
			current = " · current revision " + short(n.Heads[0].ID)
		}
		fmt.Fprintf(out, "%s\n%s · updated %s%s%s\n", n.Title, count(n.Revisions, "revision"), time.UnixMilli(n.Updated).Format("2006-01-02 15:04"), current, reactionsText(n.Reactions))
		if n.From != nil {
			fmt.Fprintf(out, "promoted from thread %s\n", n.From)
		}
		if len(n.Heads) == 1 {
			printTags(out, n.Heads[0].Tags)
		}
		if len(n.Heads) > 1 {
			also := ""
			if slices.ContainsFunc(n.Heads, func(h api.Head) bool { return h.Title != n.Heads[0].Title }) {
				also += " --title TITLE"
			}
			if slices.ContainsFunc(n.Heads, func(h api.Head) bool { return !slices.Equal(h.Tags, n.Heads[0].Tags) }) {
				also += " --tag TAG…"
			}
			fmt.Fprintf(out, "\n%d heads: edits made apart. Merge them with `kith note edit %s --body -%s` and the text that keeps what matters of each,\n"+
				"or keep one as it is with `kith note revert %s REVISION`\n", len(n.Heads), short(n.ID), also, short(n.ID))
		}
		names := authorNames(ctx, cl, n.Community)
		for i, h := range n.Heads {
			if len(n.Heads) > 1 {
				// Heads may differ in title and tags as well as text.
				fmt.Fprintf(out, "\n=== head %d: %s by %s at %s\n%s\n", i+1, h.ID, who(names, h.Author), time.UnixMilli(h.Created).Format("2006-01-02 15:04"), h.Title)
				printTags(out, h.Tags)
			}
			fmt.Fprintf(out, "\n%s\n", termText(h.Body))
			printFiles(out, h.Files)
		}
		return nil
	})
	return cmd
}

func (c *cli) noteHistoryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "history NOTE_ID", Short: "List every revision of a note with its author and time", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		n, err := cl.Note(ctx, ids[0])
		if err != nil {
			return err
		}
		names := authorNames(ctx, cl, n.Community)
		isHead := func(r api.Revision) bool {
			return slices.ContainsFunc(n.Heads, func(h api.Head) bool { return h.ID == r.ID })
		}
		if *asJSON {
			out := make([]historyJSON, 0, len(n.History))
			for _, r := range n.History {
				out = append(out, historyJSON{Revision: r, AuthorName: names[r.Author], Head: isHead(r)})
			}
			return printJSON(cmd.OutOrStdout(), out)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "REVISION\tWHEN\tAUTHOR\tFOLLOWS\tHEAD\tTITLE")
		for _, r := range n.History {
			head := ""
			if isHead(r) {
				head = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", short(r.ID), time.UnixMilli(r.Created).Format("2006-01-02 15:04"), who(names, r.Author), len(r.Parents), head, r.Title)
		}
		return tw.Flush()
	})
	return cmd
}

// historyJSON is one revision as `kith note history --json` prints it:
// with its author's name, and whether it is a current head.
type historyJSON struct {
	api.Revision
	AuthorName string `json:"author_name,omitempty"`
	Head       bool   `json:"head"`
}

func (c *cli) noteDiffCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "diff NOTE_ID REV_A REV_B", Short: "Show what REV_B changed against REV_A", Args: exactArgs(3)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		d, err := cl.NoteDiff(ctx, ids[0], ids[1], ids[2])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, d)
		}
		fmt.Fprintf(out, "--- %s %s\n+++ %s %s\n", d.A, d.TitleA, d.B, d.TitleB)
		if !slices.Equal(d.TagsA, d.TagsB) {
			fmt.Fprintf(out, "tags: %s -> %s\n", tagList(d.TagsA), tagList(d.TagsB))
		}
		printDiffLines(out, d.Lines)
		return nil
	})
	return cmd
}

func (c *cli) noteListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list COMMUNITY_ID", Short: "List notes, most recently updated first", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		items, err := collect(func(cursor string, limit int) ([]api.Note, string, error) {
			page, err := cl.Notes(ctx, ids[0], cursor, limit)
			return page.Items, page.Next, err
		})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), items)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "NOTE\tUPDATED\tREVISIONS\tHEADS\tTITLE")
		for _, n := range items {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", short(n.ID), time.UnixMilli(n.Updated).Format("2006-01-02 15:04"), n.Revisions, n.Heads, n.Title)
		}
		return tw.Flush()
	})
	return cmd
}

// tagList is tags as a diff line shows them; "(none)" for none.
func tagList(tags []string) string {
	if len(tags) == 0 {
		return "(none)"
	}
	return strings.Join(tags, ", ")
}
