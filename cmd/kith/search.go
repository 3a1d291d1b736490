package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/search"
)

// searchCmd is `kith search QUERY`: full-text search over the communities
// the daemon holds.
func (c *cli) searchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search what your communities know (posts, replies, notes, profiles, events)",
		Long: `Search what your communities know. Every word must match (in any form:
"configuring" finds "configured"); "quoted words" match as a phrase;
-word excludes (after --, so that it is not read as a flag: kith search mtu -- -vpn);
word* matches words that start so (3 letters at least).
Accepted answers, current versions of notes and helpful posts come first.

--community and --author take an id or key whole or its first digits (at
least 4); --author without --community looks among the members of every
community this node holds. --from and --to are dates in this computer's
time zone (or times, 2006-01-02T15:04) of when something was written
(for an event, when it was announced); --to's day is included, so
--from 2026-03-02 --to 2026-03-02 is that whole day.

  kith search vpn router mtu
  kith search '"drops packets"' --kind post --answered yes
  kith search --reindex        rebuild the index from the store`,
		Args: cobra.ArbitraryArgs,
	}
	var req api.SearchRequest
	cmd.Flags().StringVar(&req.Community, "community", "", "only this community (its `ID`, or its first digits)")
	cmd.Flags().StringVar(&req.Kind, "kind", "", "only post, reply, note, profile or event")
	cmd.Flags().StringVar(&req.Tag, "tag", "", "only documents with this tag")
	cmd.Flags().StringVar(&req.Author, "author", "", "only by this member (their `KEY`, or its first digits)")
	cmd.Flags().StringVar(&req.From, "from", "", "written on or after this `DATE` (2006-01-02, local) or time (2006-01-02T15:04)")
	cmd.Flags().StringVar(&req.To, "to", "", "written on or before this `DATE` (the whole day), or before this time")
	cmd.Flags().StringVar(&req.Answered, "answered", "", "yes: answered questions and accepted answers; no: the rest")
	cmd.Flags().IntVar(&req.Limit, "limit", 20, "results to show (at most 100)")
	cmd.Flags().IntVar(&req.Offset, "offset", 0, "skip this many results first, for the next page (at most 1,000)")
	// "kith search router -mtu" reads -mtu as flags: say how to exclude.
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if strings.Contains(err.Error(), "unknown shorthand flag") || strings.Contains(err.Error(), "unknown flag") {
			return fmt.Errorf("%w (to exclude a word, give it after --: kith search router -- -mtu)", err)
		}
		return err
	})
	reindex := cmd.Flags().Bool("reindex", false, "drop the search index and rebuild it from the store")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		out := cmd.OutOrStdout()
		if *reindex {
			if len(args) > 0 {
				return fmt.Errorf("--reindex takes no query")
			}
			if err := cl.Reindex(ctx); err != nil {
				return err
			}
			if *asJSON {
				return printJSON(out, struct {
					Reindexing bool `json:"reindexing"`
				}{true})
			}
			fmt.Fprintln(out, "Rebuilding the search index in the background; `kith search` says how far it is.")
			return nil
		}
		filtered := req.Community != "" || req.Kind != "" || req.Tag != "" || req.Author != "" || req.Answered != "" || req.From != "" || req.To != ""
		if len(args) == 0 && !filtered {
			return fmt.Errorf("say what to search for, e.g. kith search vpn router (or a filter alone: kith search --tag vpn)")
		}
		if req.Limit < 1 || req.Offset < 0 {
			return fmt.Errorf("--limit must be at least 1 and --offset at least 0")
		}
		req.Query = strings.Join(args, " ")
		if err := resolveSearchFilters(ctx, cl, &req); err != nil {
			return err
		}
		res, err := cl.Search(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(out, res)
		}
		printSearch(out, res)
		nextPage(out, res.Total, req.Offset+len(res.Hits))
		return nil
	})
	return cmd
}

// resolveSearchFilters turns the filters as a person gives them into
// what the daemon takes: the first digits of a community's id or of a
// member's key into the whole (as every other command takes them), and
// dates into times in this computer's zone (the daemon may run in
// another, and reads a bare date as a day in UTC).
func resolveSearchFilters(ctx context.Context, cl *client.Client, req *api.SearchRequest) error {
	var community protocol.ID
	if req.Community != "" {
		var err error
		if community, err = searchCommunity(ctx, cl, req.Community); err != nil {
			return fmt.Errorf("--community: %w", err)
		}
		req.Community = community.String()
	}
	if req.Author != "" {
		var key protocol.PublicKey
		var err error
		if community.IsZero() {
			key, err = anyMember(ctx, cl, req.Author)
		} else {
			key, err = resolveMember(ctx, cl, community, req.Author)
		}
		if err != nil {
			return fmt.Errorf("--author: %w", err)
		}
		req.Author = key.String()
	}
	req.From, req.To = searchTime(req.From, false), searchTime(req.To, true)
	return nil
}

// searchCommunity resolves --community: a community this node holds
// (resolveCommunity), also when given whole, since a search filtered on
// any other id would find nothing and not say why.
func searchCommunity(ctx context.Context, cl *client.Client, arg string) (protocol.ID, error) {
	id, err := resolveCommunity(ctx, cl, arg)
	if err != nil || len(arg) < 2*len(protocol.ID{}) {
		return id, err // first digits: found among the communities held
	}
	cs, err := cl.Communities(ctx)
	if err != nil {
		return protocol.ID{}, fmt.Errorf("list communities: %w", err)
	}
	for _, c := range cs {
		if c.ID == id {
			return id, nil
		}
	}
	return protocol.ID{}, fmt.Errorf("%s is not a community this node holds (kith community list shows them)", id)
}

// anyMember resolves --author when no community narrows it: the key of a
// member of any community this node holds, whole or its first digits (at
// least 4) if only one key among all their members starts with them (the
// same member in several communities is one key). As with resolveMember,
// a whole key names anyone, even someone never seen here.
func anyMember(ctx context.Context, cl *client.Client, arg string) (protocol.PublicKey, error) {
	if key, done, err := memberKeyArg(arg); done {
		return key, err
	}
	cs, err := cl.Communities(ctx)
	if err != nil {
		return protocol.PublicKey{}, fmt.Errorf("list communities: %w", err)
	}
	var keys []protocol.PublicKey
	names := make(map[protocol.PublicKey]string)
	for _, c := range cs {
		members, err := allMembers(ctx, cl, c.ID)
		if err != nil {
			return protocol.PublicKey{}, fmt.Errorf("members of community %s: %w", short(c.ID), err)
		}
		for _, m := range members {
			if _, seen := names[m.Key]; !seen {
				keys = append(keys, m.Key)
			}
			if names[m.Key] == "" { // a name from any community that has one
				names[m.Key] = m.Name
			}
		}
	}
	none := fmt.Sprintf("no member of the communities on this node has a key starting with %s", arg)
	return onePrefixed(arg, none, "members' keys", keys, protocol.PublicKey.String,
		func(k protocol.PublicKey) string { return k.String() + nameAfter(names[k]) })
}

// searchTime reads --from or --to as the rest of the CLI reads dates and
// times: in this computer's zone. A date given as the end (end is true)
// is the start of the next day, since the daemon's range excludes its
// end and a person who says "to March 2" means all of March 2. Anything
// else is left for the daemon to read or refuse, with its message.
func searchTime(s string, end bool) string {
	d, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	if err != nil {
		return withLocalZone(s)
	}
	if end {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, time.Local)
	}
	return d.Format(time.RFC3339)
}

var markup = regexp.MustCompile(`</?mark>`)

func printSearch(w io.Writer, res api.SearchResults) {
	if res.Lag.Records > 0 || res.Lag.Communities > 0 {
		fmt.Fprintf(w, "(the index is catching up: %s and %s to go; results may be missing)\n", count(res.Lag.Records, "record"), count(res.Lag.Communities, "community"))
	}
	if res.Lag.Error != "" {
		fmt.Fprintf(w, "(indexing failed last time: %s)\n", res.Lag.Error)
	}
	if len(res.Hits) == 0 && res.Total > 0 {
		fmt.Fprintf(w, "Nothing from this --offset on: there are only %s.\n", count(res.Total, "result"))
		return
	}
	if len(res.Hits) == 0 {
		fmt.Fprintln(w, "Nothing found.")
		return
	}
	for _, h := range res.Hits {
		flag := ""
		switch {
		case h.Accepted:
			flag = " [accepted answer]"
		case !h.Current:
			flag = " [older revision]"
		}
		fmt.Fprintf(w, "%-7s %s%s\n", h.Kind, h.Title, flag)
		if h.Snippet != "" {
			snippet := html.UnescapeString(markup.ReplaceAllString(h.Snippet, "*"))
			fmt.Fprintf(w, "        %s\n", strings.Join(strings.Fields(snippet), " "))
		}
		when := ""
		switch {
		case h.Starts != 0:
			when = "on " + time.UnixMilli(h.Starts).Format("2006-01-02 15:04") + " · "
		case h.Created != 0:
			when = time.UnixMilli(h.Created).Format("2006-01-02") + " · "
		}
		id := ""
		if h.ID != nil {
			id = " · " + short(*h.ID)
		}
		fmt.Fprintf(w, "        %s%s%s · %s\n", when, api.Who(h.AuthorName, h.Author), id, h.Link)
	}
	atMost := ""
	if res.TotalAtMost {
		atMost = "at most "
	}
	fmt.Fprintf(w, "%d of %s%d results (%.1f ms)\n", len(res.Hits), atMost, res.Total, res.TookMS)
}

// nextPage says how to see the results after a page that ended at shown:
// the daemon goes at most maxOffset results deep.
func nextPage(w io.Writer, total, shown int) {
	switch {
	case shown >= total:
	case shown > maxOffset:
		fmt.Fprintf(w, "(results past %d are not shown: narrow the search)\n", maxOffset)
	default:
		fmt.Fprintf(w, "more: --offset %d\n", shown)
	}
}

// maxOffset is the deepest a search goes (search.MaxOffset).
const maxOffset = search.MaxOffset
