package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// The search page: the box in every page's header sends here.

type searchPage struct {
	Query       api.SearchRequest
	Communities []api.Community
	Results     *api.SearchResults // nil before a search
	Hits        []searchHit
	Problem     string // why the search could not run, in words
	Prev, Next  string // links to the pages around this one
}

type searchHit struct {
	api.SearchHit
	CommunityName string
	Snippet       template.HTML
}

// snippetPolicy keeps only the <mark> tags around matched words: the
// index escapes the text itself, and this is a second lock.
var snippetPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("mark")
	return p
}()

const searchPageSize = 20

func (s *Server) search(r *http.Request) (string, any, error) {
	q := r.URL.Query()
	page := searchPage{Query: api.SearchRequest{Query: strings.TrimSpace(q.Get("q")), Community: q.Get("community"), Kind: q.Get("kind"),
		Tag: q.Get("tag"), Answered: q.Get("answered"), Limit: searchPageSize}}
	if off, err := strconv.Atoi(q.Get("offset")); err == nil && off > 0 {
		page.Query.Offset = off
	}
	cs, err := s.backend.Communities(r.Context())
	if err != nil {
		return "", nil, err
	}
	page.Communities = cs
	if qr := page.Query; qr.Query == "" && qr.Tag == "" && qr.Kind == "" && qr.Community == "" && qr.Answered == "" {
		return "search", page, nil // the form alone
	}
	res, err := s.backend.Search(r.Context(), page.Query)
	if err != nil {
		if errors.Is(err, api.ErrBadRequest) {
			page.Problem = strings.TrimPrefix(err.Error(), api.ErrBadRequest.Error()+": ")
			return "search", page, nil
		}
		return "", nil, err
	}
	page.Results = &res
	names := make(map[protocol.ID]string)
	for _, c := range cs {
		names[c.ID] = c.Name
	}
	for _, h := range res.Hits {
		page.Hits = append(page.Hits, searchHit{SearchHit: h, CommunityName: names[h.Community],
			Snippet: template.HTML(snippetPolicy.Sanitize(h.Snippet))}) //nolint:gosec // sanitised: <mark> only
	}
	link := func(offset int) string {
		v := q
		v.Set("offset", strconv.Itoa(offset))
		return "/search?" + v.Encode()
	}
	if page.Query.Offset > 0 {
		page.Prev = link(max(0, page.Query.Offset-searchPageSize))
	}
	if page.Query.Offset+len(res.Hits) < res.Total && page.Query.Offset+searchPageSize <= 1000 {
		page.Next = link(page.Query.Offset + searchPageSize)
	}
	return "search", page, nil
}
