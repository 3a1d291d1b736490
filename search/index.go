// Package search is the node's full-text index of what its communities
// know: thread posts and replies, note revisions, profiles and events,
// in a bleve index beside the store. It holds documents the node derives
// from the store's views; the store stays the truth, and the index can
// always be rebuilt from it.
//
// Text is analysed for English (stemming: "configuring" finds
// "configured"); communities, kinds, tags and authors are exact keywords
// for filters. Queries are parsed by this package, not by bleve's query
// language, so that a member's search box cannot ask for regular
// expressions, fuzzy matches or field tricks that scan the whole index.
package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
)

// The kinds of document.
const (
	KindPost    = "post"    // a thread's post, as currently edited
	KindReply   = "reply"   // a reply, as currently edited
	KindNote    = "note"    // one revision of a note
	KindProfile = "profile" // a member's profile in one community
	KindEvent   = "event"   // an event, as currently edited
)

// DocID is the id of the document of kind about record ("note/<id>"):
// Search tells a note's revisions apart from other documents by it,
// without reading them (collapse.go).
func DocID(kind, record string) string { return kind + "/" + record }

// Doc is one searchable document. Its id (given to Apply) says what it
// is, so that a later version replaces it.
type Doc struct {
	Community string    `json:"community"`
	Kind      string    `json:"kind"`
	Thread    string    `json:"thread,omitempty"` // the thread of a post or reply, the note of a revision
	Record    string    `json:"record"`           // the record to link to
	Title     string    `json:"title,omitempty"`
	Body      string    `json:"body,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	Author    string    `json:"author"`
	Created   time.Time `json:"created"`
	// Answered: a question with an accepted answer, or a reply that is one.
	Answered bool `json:"answered"`
	// Accepted: a reply that is its thread's accepted answer.
	Accepted bool `json:"accepted"`
	// Current: a note revision that is a head, and every other document;
	// older revisions stay findable, ranked lower.
	Current bool    `json:"current"`
	Helpful float64 `json:"helpful"` // helpful reactions
}

// Index is a search index on disk.
type Index struct {
	idx bleve.Index
	dir string
	// counts keeps counts over the whole index for the collapse of a
	// note's revisions (collapse.go), until the next Apply.
	counts indexCounts
}

// ErrCorrupt is returned by Open when the directory holds something that
// is not a readable index: the caller rebuilds it.
var ErrCorrupt = errors.New("search index unreadable")

// ErrOutdated is returned by Open when the index was made by an older
// version of Kith that analysed text otherwise (before accents were
// folded): its words would not match this version's queries, so the
// caller rebuilds it.
var ErrOutdated = errors.New("search index made by an older version")

// ErrWrite is wrapped by Apply's errors from writing the index: the index
// must be opened again before the next write.
var ErrWrite = errors.New("write search index")

// Open opens the index in dir, creating it if there is none.
func Open(dir string) (*Index, error) {
	idx, err := bleve.Open(dir)
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		idx, err = bleve.New(dir, indexMapping())
		if err != nil {
			return nil, fmt.Errorf("create search index %s: %w", dir, err)
		}
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, dir, err)
	}
	if m, ok := idx.Mapping().(*mapping.IndexMappingImpl); !ok || m.DefaultAnalyzer != analyzerName {
		idx.Close()
		return nil, fmt.Errorf("%w: %s", ErrOutdated, dir)
	}
	return &Index{idx: idx, dir: dir}, nil
}

// Remove deletes the index in dir (closed), to rebuild it.
func Remove(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove search index: %w", err)
	}
	return nil
}

// Close closes the index.
func (x *Index) Close() error { return x.idx.Close() }

func indexMapping() *mapping.IndexMappingImpl {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = store
		f.IncludeTermVectors = store // for highlighted snippets
		return f
	}
	keywordField := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		return f
	}
	plain := func(f *mapping.FieldMapping) *mapping.FieldMapping {
		f.IncludeInAll = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("community", keywordField())
	doc.AddFieldMappingsAt("kind", keywordField())
	doc.AddFieldMappingsAt("thread", keywordField())
	doc.AddFieldMappingsAt("record", keywordField())
	doc.AddFieldMappingsAt("tags", keywordField())
	doc.AddFieldMappingsAt("author", keywordField())
	doc.AddFieldMappingsAt("title", text(true))
	doc.AddFieldMappingsAt("body", text(true))
	doc.AddFieldMappingsAt("created", plain(bleve.NewDateTimeFieldMapping()))
	doc.AddFieldMappingsAt("answered", plain(bleve.NewBooleanFieldMapping()))
	doc.AddFieldMappingsAt("accepted", plain(bleve.NewBooleanFieldMapping()))
	doc.AddFieldMappingsAt("current", plain(bleve.NewBooleanFieldMapping()))
	doc.AddFieldMappingsAt("helpful", plain(bleve.NewNumericFieldMapping()))
	m := bleve.NewIndexMapping()
	if err := addAnalyzer(m); err != nil {
		panic(fmt.Sprintf("search: define the analyser: %v", err)) // fixed names, registered at init
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerName
	return m
}

// Apply indexes docs (replacing documents of the same id) and removes
// the documents of ids in gone, in one batch; meta entries are set in the
// same batch (nil values delete them).
//
// A write that failed (a full disk) leaves the index's memory in a state
// its next write may panic on: after an error wrapping ErrWrite, Close
// the index and Open it again before writing more. A panic in the
// library is returned as such an error too, not passed on to crash the
// node.
func (x *Index) Apply(ctx context.Context, docs map[string]*Doc, gone []string, meta map[string][]byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrWrite, r)
		}
	}()
	b := x.idx.NewBatch()
	for id, d := range docs {
		if err := b.Index(id, d); err != nil {
			return fmt.Errorf("index %s: %w", id, err)
		}
	}
	for _, id := range gone {
		b.Delete(id)
	}
	for k, v := range meta {
		if v == nil {
			b.DeleteInternal([]byte(k))
		} else {
			b.SetInternal([]byte(k), v)
		}
	}
	err = x.idx.Batch(b)
	x.counts.changed()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWrite, err)
	}
	return nil
}

// Meta reads a value set by Apply; nil if none.
func (x *Index) Meta(key string) ([]byte, error) {
	v, err := x.idx.GetInternal([]byte(key))
	if err != nil {
		return nil, fmt.Errorf("read search index: %w", err)
	}
	return v, nil
}

// Count is the number of documents in the index.
func (x *Index) Count() (uint64, error) { return x.idx.DocCount() }

// IDs lists the ids of the documents whose keyword field (community,
// thread, ...) has value.
func (x *Index) IDs(ctx context.Context, field, value string) ([]string, error) {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	const page = 1000
	var out, after []string
	for {
		req := bleve.NewSearchRequestOptions(q, page, 0, false)
		req.SortBy([]string{"_id"})
		req.SearchAfter = after
		res, err := x.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list search documents: %w", err)
		}
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		if len(res.Hits) < page {
			return out, nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Values lists the distinct values of a keyword field (community, ...)
// in the index, from its dictionary rather than its documents. A value
// whose documents were deleted lately may still be listed until the
// index merges its segments: IDs then finds none.
func (x *Index) Values(field string) ([]string, error) {
	d, err := x.idx.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("read search index terms: %w", err)
	}
	defer d.Close()
	var out []string
	for {
		e, err := d.Next()
		if err != nil {
			return nil, fmt.Errorf("read search index terms: %w", err)
		}
		if e == nil {
			return out, nil
		}
		out = append(out, e.Term)
	}
}
