package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The event commands: the community's rhythm.

func (c *cli) eventCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "event", Short: "Announce meetings, list them, answer them"}
	cmd.AddCommand(c.eventNewCmd(), c.eventEditCmd(), c.eventListCmd(), c.eventShowCmd(), c.eventRSVPCmd())
	return cmd
}

// withLocalZone gives a time written without a zone (2026-12-03T15:00 or
// 2026-12-03 15:00) this machine's zone, as RFC 3339; anything else is
// left for the daemon to read or refuse.
func withLocalZone(s string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return s
}

// eventFlags adds the flags that describe an event, and returns a func
// that completes the request once the flags are parsed.
func (c *cli) eventFlags(cmd *cobra.Command, req *api.EventRequest) func(context.Context, *client.Client) error {
	cmd.Flags().StringVar(&req.Title, "title", "", "the event's `title`")
	cmd.Flags().StringVar(&req.Start, "start", "", "when it starts: `TIME` like 2026-12-03T15:00 (local) or with a zone, RFC 3339")
	cmd.Flags().StringVar(&req.End, "end", "", "when it ends (`TIME`)")
	cmd.Flags().StringVar(&req.Where, "where", "", "a place, or an http(s) `link` to join")
	cmd.Flags().StringVar(&req.Body, "body", "", "what it is about (Markdown); - reads standard input")
	cmd.Flags().StringArrayVar(&req.Tags, "tag", nil, "a `tag` (repeatable)")
	agenda := cmd.Flags().String("agenda", "", "the `NOTE_ID` of its agenda")
	minutes := cmd.Flags().String("minutes", "", "the `NOTE_ID` of its minutes")
	return func(ctx context.Context, cl *client.Client) error {
		var err error
		if req.Body, err = c.readBody(req.Body); err != nil {
			return err
		}
		// A time without a zone is the caller's local time, not the
		// daemon's (which may run in another zone, as a service in UTC).
		req.Start, req.End = withLocalZone(req.Start), withLocalZone(req.End)
		for _, l := range []struct {
			s   string
			dst **protocol.ID
		}{{*agenda, &req.Agenda}, {*minutes, &req.Minutes}} {
			if l.s == "" {
				continue
			}
			id, err := resolveID(ctx, cl, l.s)
			if err != nil {
				return err
			}
			*l.dst = &id
		}
		return nil
	}
}

func (c *cli) eventNewCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "new COMMUNITY_ID", Short: "Announce a meeting (prints its id)", Args: exactArgs(1)}
	var req api.EventRequest
	finish := c.eventFlags(cmd, &req)
	attach := addAttachFlag(cmd)
	cmd.MarkFlagRequired("title")
	cmd.MarkFlagRequired("start")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		if err := finish(ctx, cl); err != nil {
			return err
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
		}
		id, err := cl.NewEvent(ctx, ids[0], req)
		if err != nil {
			return err
		}
		// A past event is taken (its minutes, say), and said: a mistyped
		// date would otherwise leave it unseen among the past ones.
		if e, err := cl.Event(ctx, id); err == nil && e.Over {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: it is over already (%s): it is listed with the past events (kith event list --past)\n", eventWhen(e))
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) eventEditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "edit EVENT_ID", Short: "Change your event: move it, link its agenda or minutes, attach or remove files", Args: exactArgs(1)}
	var req api.EventRequest
	finish := c.eventFlags(cmd, &req)
	cmd.Flags().StringArrayVar(&req.Clear, "clear", nil, "empty a `FIELD`: end, where, body, tags, agenda or minutes (repeatable)")
	attach := addAttachFlag(cmd)
	remove := addRemoveFileFlag(cmd)
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		if err := finish(ctx, cl); err != nil {
			return err
		}
		if req.Remove, err = resolveFiles(ctx, cl, *remove); err != nil {
			return err
		}
		if req.Files, err = uploadAll(ctx, cl, *attach); err != nil {
			return err
		}
		id, err := cl.EditEvent(ctx, ids[0], req)
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

func (c *cli) eventListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list COMMUNITY_ID", Short: "List events not over yet, soonest first (--past: those over, latest first)", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	past := cmd.Flags().Bool("past", false, "list the events that are over, the latest first")
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		items, err := collect(func(cursor string, limit int) ([]api.Event, string, error) {
			list := cl.Events
			if *past {
				list = cl.PastEvents
			}
			page, err := list(ctx, ids[0], cursor, limit)
			return page.Items, page.Next, err
		})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), items)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "EVENT\tSTARTS\tYES/NO/MAYBE\tYOU\tTITLE\tWHERE")
		for _, e := range items {
			where := e.Place
			if e.Link != "" {
				where = e.Link
			}
			fmt.Fprintf(tw, "%s\t%s\t%d/%d/%d\t%s\t%s\t%s\n", short(e.ID), time.UnixMilli(e.Start).Format("2006-01-02 15:04 MST"), e.Yes, e.No, e.Maybe, e.Mine, e.Title, where)
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) eventShowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "show EVENT_ID", Short: "Show an event: when, where, what, its agenda and minutes, its files and answers", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args)
		if err != nil {
			return err
		}
		e, err := cl.Event(ctx, ids[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, e)
		}
		fmt.Fprintf(out, "%s\n", termText(e.Title))
		when := eventWhen(e)
		if e.Over {
			when += " (over)"
		}
		fmt.Fprintf(out, "when:    %s\n", when)
		fmt.Fprintf(out, "by:      %s\n", termText(api.Who(e.AuthorName, e.Author)))
		if e.Place != "" {
			fmt.Fprintf(out, "where:   %s\n", e.Place)
		}
		if e.Link != "" {
			fmt.Fprintf(out, "link:    %s\n", e.Link)
		}
		if len(e.Tags) > 0 {
			fmt.Fprintf(out, "tags:    %s\n", strings.Join(e.Tags, ", "))
		}
		fmt.Fprintf(out, "answers: %d yes, %d no, %d maybe", e.Yes, e.No, e.Maybe)
		if e.Mine != "" {
			fmt.Fprintf(out, " (you: %s)", e.Mine)
		}
		fmt.Fprintln(out)
		// Who, by answer: yes, maybe, no (the daemon's order).
		for _, g := range e.AnswerGroups() {
			var names []string
			for _, m := range g.Members {
				names = append(names, api.Who(m.Name, m.Member))
			}
			fmt.Fprintf(out, "  %-6s %s\n", g.Answer+":", termText(strings.Join(names, ", ")))
		}
		for _, n := range []struct {
			what, title string
			id          *protocol.ID
		}{{"agenda", e.AgendaTitle, e.Agenda}, {"minutes", e.MinutesTitle, e.Minutes}} {
			if n.id != nil {
				fmt.Fprintf(out, "%-8s %q, note %.12s (kith note show %.12s)\n", n.what+":", n.title, n.id, n.id)
			}
		}
		for _, f := range e.Files {
			fmt.Fprintf(out, "file:    %s (%s) %s\n", f.Name, api.ByteSize(f.Size), f.Hash)
		}
		if e.Body != "" {
			fmt.Fprintf(out, "\n%s\n", termText(e.Body))
		}
		return nil
	})
	return cmd
}

func (c *cli) eventRSVPCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rsvp EVENT_ID yes|no|maybe", Short: "Say whether you come (a later answer replaces an earlier one)", Args: exactArgs(2),
		ValidArgs: []string{"yes", "no", "maybe"}}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveIDs(ctx, cl, args[:1])
		if err != nil {
			return err
		}
		id, err := cl.RSVP(ctx, ids[0], args[1])
		if err != nil {
			return err
		}
		return printCreated(cmd, *asJSON, id)
	})
	return cmd
}

// eventWhen says when event e takes place; an end equal to the start (a
// moment, or a deadline) is not repeated.
func eventWhen(e api.Event) string {
	when := eventTime(e.Start)
	if e.End > e.Start {
		when += " to " + eventTime(e.End)
	}
	return when
}

// eventTime is a moment of an event, in this machine's zone.
func eventTime(ms int64) string { return time.UnixMilli(ms).Format("Mon 2006-01-02 15:04 MST") }
