package search

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// TestSearchFoldsAccents: a word found with or without its accents, in
// either direction, and the snippet marks the word as written.
func TestSearchFoldsAccents(t *testing.T) {
	x := openTest(t)
	docs := map[string]*Doc{
		"post/a": {Community: "c", Kind: KindPost, Record: "a", Title: "Café near the Zürich office", Body: "Ask José about the Straße closures.", Author: "ada", Created: t0, Current: true},
		"post/b": {Community: "c", Kind: KindPost, Record: "b", Title: "Resume template", Body: "Our naive first draft, with the ﬁnal ﬂow.", Author: "bob", Created: t0, Current: true},
		"post/c": {Community: "c", Kind: KindPost, Record: "c", Title: "Москва office", Body: "東京 and 北京 offices too.", Author: "cyd", Created: t0, Current: true},
	}
	if err := x.Apply(context.Background(), docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, want string }{
		{"cafe", "post/a"},
		{"CAFÉ", "post/a"},
		{"zurich", "post/a"},
		{"jose", "post/a"},
		{"strasse", "post/a"},
		{"züri*", "post/a"},
		{"zuri*", "post/a"},
		{"résumé", "post/b"},
		{"naïve", "post/b"},
		{"final flow", "post/b"},
		{`"naïve first"`, "post/b"},
		{"москва", "post/c"}, // other scripts are left as they are
		{"東京", "post/c"},
	} {
		if got := ids(search(t, x, Query{Text: c.query})); got != c.want {
			t.Errorf("search %q: %q, want %q", c.query, got, c.want)
		}
	}
	r := search(t, x, Query{Text: "cafe"})
	if len(r.Hits) != 1 || !strings.Contains(r.Hits[0].Snippet, "<mark>Café</mark>") {
		t.Errorf("snippet of cafe: %+v", r.Hits)
	}
	r = search(t, x, Query{Text: "strasse"})
	if len(r.Hits) != 1 || !strings.Contains(r.Hits[0].Snippet, "<mark>Straße</mark> closures") {
		t.Errorf("snippet of strasse: %+v", r.Hits)
	}
}

// TestOutdatedIndex: an index made before accents were folded is
// reported as such, to be rebuilt, not searched with words it does not
// hold.
func TestOutdatedIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	m := indexMapping()
	m.DefaultAnalyzer = en.AnalyzerName // as every version before folding made them
	old, err := bleve.New(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	if x, err := Open(dir); !errors.Is(err, ErrOutdated) {
		if x != nil {
			x.Close()
		}
		t.Fatalf("open an index made before folding: %v", err)
	}
	// Closed: it can be removed and made again.
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
}
