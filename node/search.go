package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/search"
)

// Search implements api.Backend: full-text search over the communities
// this node holds.
func (n *Node) Search(ctx context.Context, req api.SearchRequest) (api.SearchResults, error) {
	if n.index == nil {
		return api.SearchResults{}, errSearchOff
	}
	q := search.Query{Text: req.Query, Kind: req.Kind, Tag: protocol.NormalizeTag(req.Tag), Answered: req.Answered,
		Limit: req.Limit, Offset: req.Offset}
	if req.Tag != "" && q.Tag == "" {
		return api.SearchResults{}, fmt.Errorf("%w: %q is not a tag", api.ErrBadRequest, req.Tag)
	}
	if req.Community != "" {
		id, err := protocol.ParseID(req.Community)
		if err != nil {
			return api.SearchResults{}, fmt.Errorf("%w: community %q is not a community id (64 hexadecimal digits)", api.ErrBadRequest, req.Community)
		}
		q.Community = id.String()
	}
	if req.Author != "" {
		k, err := protocol.ParsePublicKey(req.Author)
		if err != nil {
			return api.SearchResults{}, fmt.Errorf("%w: author %q is not a member key (64 hexadecimal digits)", api.ErrBadRequest, req.Author)
		}
		q.Author = k.String()
	}
	switch req.Kind {
	case "", search.KindPost, search.KindReply, search.KindNote, search.KindProfile, search.KindEvent:
	default:
		return api.SearchResults{}, fmt.Errorf("%w: kind %q: want post, reply, note, profile or event", api.ErrBadRequest, req.Kind)
	}
	var err error
	if q.From, err = parseWhen("from", req.From, false); err != nil {
		return api.SearchResults{}, err
	}
	if q.To, err = parseWhen("to", req.To, true); err != nil {
		return api.SearchResults{}, err
	}
	res, err := n.index.index().Search(ctx, q)
	if errors.Is(err, search.ErrBadQuery) {
		// One "bad request", not "bad request: bad search".
		return api.SearchResults{}, fmt.Errorf("%w: %s", api.ErrBadRequest, strings.TrimPrefix(err.Error(), search.ErrBadQuery.Error()+": "))
	}
	if err != nil {
		return api.SearchResults{}, err
	}
	out := api.SearchResults{Total: int(res.Total), TotalAtMost: !res.Exact, Hits: []api.SearchHit{}, TookMS: float64(res.Took.Microseconds()) / 1000}
	records, communities, lastErr := n.index.lag()
	out.Lag = api.SearchLag{Records: records, Communities: communities}
	if lastErr != nil {
		out.Lag.Error = lastErr.Error()
	}
	for _, h := range res.Hits {
		hit := api.SearchHit{Kind: h.Kind, Title: h.Title, Snippet: h.Snippet,
			Accepted: h.Accepted, Current: h.Current, Score: h.Score}
		if !h.Created.IsZero() { // profiles have no time of their own
			hit.Created = h.Created.UnixMilli()
		}
		hit.Community, _ = protocol.ParseID(h.Community)
		hit.Author, _ = protocol.ParsePublicKey(h.Author)
		if v, err := n.store.Member(ctx, hit.Community, hit.Author); err == nil {
			hit.AuthorName = v.Name
		}
		if h.Kind != search.KindProfile { // a profile's "record" is its member's key
			if id, err := protocol.ParseID(h.Record); err == nil {
				hit.ID = &id
			}
		}
		if id, err := protocol.ParseID(h.Thread); err == nil {
			hit.Thread = &id
		}
		switch h.Kind {
		case search.KindPost:
			hit.Link = "/t/" + h.Thread
		case search.KindReply:
			hit.Link = "/t/" + h.Thread + "#r-" + h.Record
		case search.KindNote:
			hit.Link = "/n/" + h.Record
			if !h.Current {
				// What matched is in that revision, not in the note's
				// current text: its page shows what it changed.
				hit.Link += "/diff?b=" + h.Record
			}
		case search.KindEvent:
			hit.Link = "/e/" + h.Record
			// People look for an event by when it is, not when it was
			// announced.
			if id, err := protocol.ParseID(h.Record); err == nil {
				if v, err := n.store.Event(ctx, hit.Community, id); err == nil {
					hit.Starts = v.Start
				}
			}
		case search.KindProfile:
			hit.Link = "/c/" + h.Community + "/people/" + h.Record
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

// parseWhen reads a date (2006-01-02, a day in UTC: the daemon cannot
// know the caller's zone; the CLI sends its local days as times) or an
// RFC 3339 time; empty is the zero time. The range is [from, to), so a
// date given as the end (end is true) stands for the end of that day:
// from=D&to=D is the whole of day D, as a person means it, not an empty
// range.
func parseWhen(name, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q: want a date (2006-01-02) or an RFC 3339 time", api.ErrBadRequest, name, s)
	}
	return t, nil
}

// Reindex implements api.Backend.
func (n *Node) Reindex(context.Context) error {
	if n.index == nil {
		return errSearchOff
	}
	return n.index.reindex()
}

var errSearchOff = fmt.Errorf("%w: this node keeps no search index (it was started with search off)", api.ErrNotFound)
