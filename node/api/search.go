package api

import (
	"net/http"
	"strconv"

	"github.com/kith-network/kith/protocol"
)

// SearchRequest is GET /api/search?q=&community=&kind=&tag=&author=&from=&to=&answered=&limit=&offset=:
// words and "phrases" that must all match, -words that must not, word*
// prefixes; from and to are dates (2006-01-02) or RFC 3339 times.
type SearchRequest struct {
	Query     string
	Community string // an id; empty for all
	Kind      string // post, reply, note, profile or event
	Tag       string
	Author    string // a member key
	From, To  string
	Answered  string // yes or no
	Limit     int
	Offset    int
}

// SearchHit is one result.
type SearchHit struct {
	Kind string `json:"kind"`
	// ID is the record that matched (a post, reply, note revision or
	// event; none for a profile), Thread the thread of a post or reply.
	ID        *protocol.ID       `json:"id,omitempty"`
	Thread    *protocol.ID       `json:"thread,omitempty"`
	Community protocol.ID        `json:"community"`
	Title     string             `json:"title"`
	Snippet   string             `json:"snippet"` // HTML: escaped text with <mark>ed words
	Author    protocol.PublicKey `json:"author"`
	// AuthorName is the author's name in the community's profiles, if
	// they gave one.
	AuthorName string  `json:"author_name,omitempty"`
	Created    int64   `json:"created"`          // unix ms: when it was written
	Starts     int64   `json:"starts,omitempty"` // unix ms: when an event begins
	Accepted   bool    `json:"accepted,omitempty"`
	Current    bool    `json:"current"` // false for an older note revision
	Link       string  `json:"link"`    // the UI page that shows it
	Score      float64 `json:"score"`
}

// SearchResults is a page of results, and how current the index is.
type SearchResults struct {
	Total int `json:"total"`
	// TotalAtMost says Total is an upper bound: deep in many results, a
	// note matched in several revisions may count more than once.
	TotalAtMost bool        `json:"total_at_most,omitempty"`
	Hits        []SearchHit `json:"hits"`
	TookMS      float64     `json:"took_ms"`
	// Lag: records stored but not yet indexed, and communities being
	// indexed whole (after a crash, or a reindex): their results may be
	// missing until it is done.
	Lag SearchLag `json:"lag"`
}

// SearchLag says how far behind the index is.
type SearchLag struct {
	Records     int    `json:"records"`
	Communities int    `json:"communities"`
	Error       string `json:"error,omitempty"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := SearchRequest{Query: q.Get("q"), Community: q.Get("community"), Kind: q.Get("kind"), Tag: q.Get("tag"),
		Author: q.Get("author"), From: q.Get("from"), To: q.Get("to"), Answered: q.Get("answered")}
	for name, dst := range map[string]*int{"limit": &req.Limit, "offset": &req.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, &paramError{name, v})
				return
			}
			*dst = n
		}
	}
	res, err := s.backend.Search(r.Context(), req)
	s.reply(w, res, err)
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	ms, err := s.backend.Resolve(r.Context(), r.PathValue("prefix"))
	s.reply(w, ResolveAnswer{Matches: ms}, err)
}

func (s *Server) reindex(w http.ResponseWriter, r *http.Request) {
	s.reply(w, struct {
		Started bool `json:"started"`
	}{true}, s.backend.Reindex(r.Context()))
}

// paramError is a query parameter that is not a number.
type paramError struct{ name, value string }

func (e *paramError) Error() string {
	return e.name + " " + strconv.Quote(e.value) + " is not a number"
}
