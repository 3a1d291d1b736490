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
)

// searchCmd is `kith search QUERY`: full-text search over the communities
// the daemon holds.
func (c *cli) searchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search what your communities know (posts, replies, notes, profiles, events)",
		Long: `Search what your communities know. Every word must match (in any form:
"configuring" finds "configured"); "quoted words" match as a phrase;
-word excludes; word* matches words that start so (3 letters at least).
Accepted answers, current versions of notes and helpful posts come first.

  kith search vpn router mtu
  kith search '"drops packets"' --kind post --answered yes
  kith search --reindex        rebuild the index from the store`,
		Args: cobra.ArbitraryArgs,
	}
	var req api.SearchRequest
	cmd.Flags().StringVar(&req.Community, "community", "", "only this community (id)")
	cmd.Flags().StringVar(&req.Kind, "kind", "", "only post, reply, note, profile or event")
	cmd.Flags().StringVar(&req.Tag, "tag", "", "only documents with this tag")
	cmd.Flags().StringVar(&req.Author, "author", "", "only by this member (key)")
	cmd.Flags().StringVar(&req.From, "from", "", "written on or after this date (2006-01-02)")
	cmd.Flags().StringVar(&req.To, "to", "", "written before this date")
	cmd.Flags().StringVar(&req.Answered, "answered", "", "yes: answered questions and accepted answers; no: the rest")
	cmd.Flags().IntVar(&req.Limit, "limit", 20, "results to show (at most 100)")
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
			fmt.Fprintln(out, "Rebuilding the search index in the background; `kith search` says how far it is.")
			return nil
		}
		if len(args) == 0 {
			return fmt.Errorf("say what to search for, e.g. kith search vpn router")
		}
		req.Query = strings.Join(args, " ")
		res, err := cl.Search(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(out, res)
		}
		printSearch(out, res)
		return nil
	})
	return cmd
}

var markup = regexp.MustCompile(`</?mark>`)

func printSearch(w io.Writer, res api.SearchResults) {
	if res.Lag.Records > 0 || res.Lag.Communities > 0 {
		fmt.Fprintf(w, "(the index is catching up: %s and %s to go; results may be missing)\n", count(res.Lag.Records, "record"), count(res.Lag.Communities, "community"))
	}
	if res.Lag.Error != "" {
		fmt.Fprintf(w, "(indexing failed last time: %s)\n", res.Lag.Error)
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
		if h.Created != 0 {
			when = time.UnixMilli(h.Created).Format("2006-01-02") + " · "
		}
		fmt.Fprintf(w, "        %s%s · %s\n", when, short(h.Author), h.Link)
	}
	fmt.Fprintf(w, "%d of %d results (%.1f ms)\n", len(res.Hits), res.Total, res.TookMS)
}
