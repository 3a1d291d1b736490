package search

import (
	"context"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// bleveHit is one document a bleve search matched.
type bleveHit = blevesearch.DocumentMatch

// A note edited ten times has ten revisions in the index, and a word in
// all of them made ten results of one note, pushing everything else off
// the page. Results count a note once: its best-scored matching revision
// (the current one, unless the words are only in older ones), as the
// others would lead to the same note.

// collapsedPage is a page of results with a note's revisions counted once.
type collapsedPage struct {
	ids    []string // the page's documents, best first
	scores map[string]float64
	// total is how many results there are: every match, less the
	// revisions of notes left out among those read. Past what was read
	// (the page's end and a little more), a note's revisions each still
	// count, so it may be high: exact says every match was read.
	total uint64
	exact bool
}

// collapseRead is how many more matches than the page's end collapse
// reads at a time, to fill the page when revisions are left out.
const collapseRead = 50

// maxCollapseRead bounds the matches collapse reads for one page.
const maxCollapseRead = 20_000

// collapse reads the matches of bq in score order, only their kind and
// thread (no highlights, no other field), keeps the best-scored revision
// of each note, and returns the page [offset, offset+limit) of what is
// kept.
func (x *Index) collapse(ctx context.Context, bq query.Query, offset, limit int) (collapsedPage, error) {
	out := collapsedPage{scores: make(map[string]float64)}
	notes := make(map[string]bool) // notes (threads) with a revision kept
	kept, left, read, notesRead := 0, 0, 0, 0
	for {
		size := offset + limit - kept + collapseRead
		// Ids and scores only: reading a document's fields costs more
		// than finding it. A note's revisions are told by their ids, and
		// only theirs are read, for their note.
		res, err := x.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(bq, size, read, false))
		if err != nil {
			return collapsedPage{}, err
		}
		noteOf, err := x.notesOf(ctx, res.Hits)
		if err != nil {
			return collapsedPage{}, err
		}
		for _, m := range res.Hits {
			if thread, ok := noteOf[m.ID]; ok {
				notesRead++
				if notes[thread] {
					left++
					continue
				}
				notes[thread] = true
			}
			if kept >= offset && kept < offset+limit {
				out.ids = append(out.ids, m.ID)
				out.scores[m.ID] = m.Score
			}
			kept++
		}
		read += len(res.Hits)
		out.total = res.Total - uint64(left)
		out.exact = uint64(read) >= res.Total
		if kept >= offset+limit || len(res.Hits) < size || uint64(read) >= res.Total || read >= maxCollapseRead {
			break
		}
	}
	if !out.exact {
		// Exact still if no note is among the matches not read: none in
		// the index (its count is kept), or a count of the notes that
		// match, without reading them.
		notes, err := x.counts.get("notes", func() (uint64, error) { return x.count(ctx, keywordQuery("kind", KindNote)) })
		if err != nil {
			return collapsedPage{}, err
		}
		if notes > uint64(notesRead) {
			notes, err = x.count(ctx, bleve.NewConjunctionQuery(bq, keywordQuery("kind", KindNote)))
			if err != nil {
				return collapsedPage{}, err
			}
		}
		out.exact = notes <= uint64(notesRead)
	}
	return out, nil
}

// notesOf returns the note of each of hits that is a note's revision.
func (x *Index) notesOf(ctx context.Context, hits blevesearch.DocumentMatchCollection) (map[string]string, error) {
	var ids []string
	for _, m := range hits {
		if strings.HasPrefix(m.ID, KindNote+"/") {
			ids = append(ids, m.ID)
		}
	}
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{"thread"}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, m := range res.Hits {
		out[m.ID], _ = m.Fields["thread"].(string)
	}
	return out, nil
}

// count is how many documents q matches.
func (x *Index) count(ctx context.Context, q query.Query) (uint64, error) {
	res, err := x.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}

// indexCounts are counts of documents over the whole index (how many
// notes, how many older revisions), kept until the index changes.
type indexCounts struct {
	mu   sync.Mutex
	kept map[string]uint64
}

// get returns the count named so, kept or counted with fn.
func (c *indexCounts) get(name string, fn func() (uint64, error)) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.kept[name]; ok {
		return n, nil
	}
	n, err := fn()
	if err == nil {
		if c.kept == nil {
			c.kept = make(map[string]uint64)
		}
		c.kept[name] = n
	}
	return n, err
}

// changed forgets the counts: the index changed.
func (c *indexCounts) changed() {
	c.mu.Lock()
	clear(c.kept)
	c.mu.Unlock()
}
