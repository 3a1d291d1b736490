package search

import (
	"context"

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
		req := bleve.NewSearchRequestOptions(bq, size, read, false)
		req.Fields = []string{"kind", "thread"}
		res, err := x.idx.SearchInContext(ctx, req)
		if err != nil {
			return collapsedPage{}, err
		}
		for _, m := range res.Hits {
			if kind, _ := m.Fields["kind"].(string); kind == KindNote {
				notesRead++
				thread, _ := m.Fields["thread"].(string)
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
		// Exact still if no note is among the matches not read: a count
		// of the notes that match, without reading them.
		req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bq, keywordQuery("kind", KindNote)), 0, 0, false)
		res, err := x.idx.SearchInContext(ctx, req)
		if err != nil {
			return collapsedPage{}, err
		}
		out.exact = res.Total <= uint64(notesRead)
	}
	return out, nil
}
