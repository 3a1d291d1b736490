package search

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func openTest(t *testing.T) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// sample is a small community's worth of documents.
func sample() map[string]*Doc {
	return map[string]*Doc{
		"post/q1": {Community: "c1", Kind: KindPost, Thread: "q1", Record: "q1", Title: "Configuring the VPN router",
			Body: "We configured the router twice and it still drops packets.", Tags: []string{"network"}, Author: "ada", Created: t0, Answered: true, Current: true},
		"reply/r1": {Community: "c1", Kind: KindReply, Thread: "q1", Record: "r1", Body: "Lower the MTU on the router to 1400.",
			Author: "bob", Created: t0.Add(time.Hour), Answered: true, Accepted: true, Current: true, Helpful: 3},
		"reply/r2": {Community: "c1", Kind: KindReply, Thread: "q1", Record: "r2", Body: "Restart the router every morning.",
			Author: "cyd", Created: t0.Add(2 * time.Hour), Current: true},
		"post/q2": {Community: "c1", Kind: KindPost, Thread: "q2", Record: "q2", Title: "Printer queue stuck",
			Body: "The print queue never empties.", Tags: []string{"printers"}, Author: "bob", Created: t0.Add(24 * time.Hour), Current: true},
		"note/n1": {Community: "c2", Kind: KindNote, Thread: "n1", Record: "n1", Title: "Router checklist",
			Body: "Check the cables, then the firmware.", Tags: []string{"network"}, Author: "ada", Created: t0.Add(48 * time.Hour), Current: false},
		"note/n2": {Community: "c2", Kind: KindNote, Thread: "n1", Record: "n2", Title: "Router checklist",
			Body: "Check the cables, then the firmware, then the MTU.", Tags: []string{"network"}, Author: "bob", Created: t0.Add(72 * time.Hour), Current: true},
		"profile/c1/ada": {Community: "c1", Kind: KindProfile, Record: "ada", Title: "Ada Lovelace", Body: "Networks and routers; mathematics.",
			Tags: []string{"network"}, Author: "ada", Created: t0, Current: true},
		"event/e1": {Community: "c1", Kind: KindEvent, Record: "e1", Title: "Router clinic", Body: "Bring your misbehaving router.",
			Author: "cyd", Created: t0.Add(96 * time.Hour), Current: true},
	}
}

func ids(r Results) string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return strings.Join(out, " ")
}

func search(t *testing.T, x *Index, q Query) Results {
	t.Helper()
	r, err := x.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func TestSearch(t *testing.T) {
	x := openTest(t)
	if err := x.Apply(context.Background(), sample(), nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    Query
		want string // the hits, in order; "*" prefix: only that these are among them
	}{
		{"stemming", Query{Text: "configuring"}, "post/q1"},
		{"stop words ask for nothing", Query{Text: "how to configure the router", Kind: KindPost}, "post/q1"},
		{"stemming the other way", Query{Text: "configure routers", Kind: KindPost}, "post/q1"},
		{"phrase", Query{Text: `"drops packets"`}, "post/q1"},
		{"phrase words apart do not match", Query{Text: `"router packets"`}, ""},
		{"all words must match", Query{Text: "printer router"}, ""},
		{"excluded word", Query{Text: "router -morning", Kind: KindReply}, "reply/r1"},
		{"prefix", Query{Text: "firm*"}, "note/n2"},
		{"community", Query{Text: "router", Community: "c2"}, "note/n2"},
		{"kind", Query{Text: "router", Kind: KindEvent}, "event/e1"},
		{"tag", Query{Text: "queue", Tag: "printers"}, "post/q2"},
		{"tag excludes", Query{Text: "queue", Tag: "network"}, ""},
		{"author (a title counts double)", Query{Text: "router", Author: "cyd"}, "event/e1 reply/r2"},
		{"answered", Query{Text: "router", Answered: "yes", Kind: KindReply}, "reply/r1"},
		{"unanswered", Query{Text: "queue", Answered: "no"}, "post/q2"},
		{"date range", Query{Text: "router", From: t0.Add(47 * time.Hour), To: t0.Add(80 * time.Hour)}, "note/n2"},
		{"an older revision where the words are", Query{Text: "router", Community: "c2", To: t0.Add(60 * time.Hour)}, "note/n1"},
		// The accepted reply ranks above the other one; a note is one
		// result, its current revision rather than the older one.
		{"accepted answer first", Query{Text: "router", Kind: KindReply}, "reply/r1 reply/r2"},
		{"a note once, its current revision", Query{Text: "checklist"}, "note/n2"},
		// A filter alone is a search: everything it lets through.
		{"tag alone", Query{Tag: "printers"}, "post/q2"},
		{"tag alone, without a word", Query{Text: "-queue", Tag: "printers"}, ""},
		{"kind and community alone", Query{Kind: KindEvent, Community: "c1"}, "event/e1"},
	} {
		got := search(t, x, c.q)
		if ids(got) != c.want {
			t.Errorf("%s: %+v: got %q, want %q", c.name, c.q, ids(got), c.want)
		}
	}
	r := search(t, x, Query{Text: "MTU", Kind: KindReply})
	if len(r.Hits) != 1 || !strings.Contains(r.Hits[0].Snippet, "<mark>MTU</mark>") || r.Hits[0].Thread != "q1" || !r.Hits[0].Accepted ||
		r.Hits[0].Author != "bob" || !r.Hits[0].Created.Equal(t0.Add(time.Hour)) {
		t.Errorf("hit: %+v", r.Hits)
	}
}

// TestSearchNoteOnce: a note of many revisions that all match is one
// result, the pages after it are whole and do not repeat, and the total
// counts it once.
func TestSearchNoteOnce(t *testing.T) {
	x := openTest(t)
	docs := make(map[string]*Doc)
	for i := range 30 {
		docs[fmt.Sprintf("note/rev%02d", i)] = &Doc{Community: "c", Kind: KindNote, Thread: "big", Record: fmt.Sprint(i), Title: "Runbook",
			Body: "restart the service", Created: t0.Add(time.Duration(i) * time.Hour), Current: i == 29}
	}
	for i := range 25 {
		docs[fmt.Sprintf("post/p%02d", i)] = &Doc{Community: "c", Kind: KindPost, Thread: fmt.Sprintf("p%02d", i), Record: fmt.Sprint(i),
			Title: "Question", Body: "how do I restart it", Created: t0, Current: true}
	}
	if err := x.Apply(context.Background(), docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	notes := 0
	for offset := 0; offset < 26; offset += 10 {
		r := search(t, x, Query{Text: "restart", Limit: 10, Offset: offset})
		if r.Total != 26 {
			t.Errorf("offset %d: total %d, want 26 (25 posts and the note once)", offset, r.Total)
		}
		if want := min(10, 26-offset); len(r.Hits) != want {
			t.Errorf("offset %d: %d hits, want %d", offset, len(r.Hits), want)
		}
		for _, h := range r.Hits {
			if seen[h.ID] {
				t.Errorf("offset %d: %s again", offset, h.ID)
			}
			seen[h.ID] = true
			if h.Kind == KindNote {
				notes++
				if h.ID != "note/rev29" || !h.Current || h.Snippet == "" {
					t.Errorf("the note's hit: %+v, want its current revision with a snippet", h)
				}
			}
		}
	}
	if notes != 1 || len(seen) != 26 {
		t.Errorf("%d note hits, %d in all; want 1 and 26", notes, len(seen))
	}
	if r := search(t, x, Query{Text: "restart", Limit: 10}); !r.Exact {
		t.Error("a total read whole is not marked exact")
	}

	// Revisions past what a page reads may count: the total says it is
	// at most that, unless no note is among the matches not read.
	for i := range 200 {
		docs[fmt.Sprintf("note/rev%03d", i)] = &Doc{Community: "c", Kind: KindNote, Thread: "huge", Record: fmt.Sprint(i), Title: "Log",
			Body: "restart again", Created: t0.Add(time.Duration(i) * time.Minute), Current: i == 199}
	}
	if err := x.Apply(context.Background(), docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	if r := search(t, x, Query{Text: "restart", Limit: 5}); r.Exact || r.Total < 27 || len(r.Hits) != 5 {
		t.Errorf("deep in note revisions: total %d, exact %v, %d hits; want at least 27, not exact, 5", r.Total, r.Exact, len(r.Hits))
	}
	if r := search(t, x, Query{Text: "restart", Kind: KindPost, Limit: 5}); !r.Exact || r.Total != 25 {
		t.Errorf("posts alone: total %d, exact %v; want 25, exact", r.Total, r.Exact)
	}
}

// TestSearchDeleteAndReplace: a removed document is no longer found; a
// document indexed again under its id is replaced.
func TestSearchDeleteAndReplace(t *testing.T) {
	x := openTest(t)
	ctx := context.Background()
	if err := x.Apply(ctx, sample(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(ctx, map[string]*Doc{"post/q2": {Community: "c1", Kind: KindPost, Title: "Scanner jammed", Body: "Paper everywhere.", Current: true}},
		[]string{"reply/r2"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, x, Query{Text: "morning"})); got != "" {
		t.Errorf("deleted reply still found: %q", got)
	}
	if got := ids(search(t, x, Query{Text: "printer"})); got != "" {
		t.Errorf("old version still found: %q", got)
	}
	if got := ids(search(t, x, Query{Text: "scanner"})); got != "post/q2" {
		t.Errorf("new version: %q", got)
	}
}

// TestSearchHostile: hostile or broken queries get a clear error or a
// bounded answer; markup in documents comes back escaped in snippets.
func TestSearchHostile(t *testing.T) {
	x := openTest(t)
	ctx := context.Background()
	docs := sample()
	docs["post/x"] = &Doc{Community: "c1", Kind: KindPost, Title: "<script>alert(1)</script> router", Body: `<img src=x onerror=alert(1)> router "quoted"`, Current: true}
	if err := x.Apply(ctx, docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text, want string
	}{
		{`"unclosed phrase`, "never closed"},
		{"a*", "at least 3 letters"},
		{"ro*ter*", "one star"},
		{"**", "at least 3 letters"},
		{strings.Repeat("word ", 40), "more than 32 words"},
		{strings.Repeat("x", 2000), "at most 1000"},
		{"-router", "say what to look for"},
		{"", "say what to look for"},
		{"the how to", "too common"},
		{"!!! ??? ...", "say what to look for"},
		{"\xff\xfe", "UTF-8"},
	} {
		_, err := x.Search(ctx, Query{Text: c.text})
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("search %.40q: %v, want an ErrBadQuery saying %q", c.text, err, c.want)
		}
	}
	for _, q := range []Query{{Text: "router", Limit: 1000}, {Text: "router", Offset: 1_000_000}, {Text: "router", Answered: "maybe"},
		{Text: "router", From: t0, To: t0.Add(-time.Hour)}} {
		if _, err := x.Search(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("search %+v: %v, want ErrBadQuery", q, err)
		}
	}
	// Query syntax of bleve's own language is just text here.
	for _, text := range []string{"title:router", "/rout.*/", "router~2", "+router", "body:*", "router^100"} {
		if _, err := x.Search(ctx, Query{Text: text}); err != nil && !errors.Is(err, ErrBadQuery) {
			t.Errorf("search %q: %v", text, err)
		}
	}
	r := search(t, x, Query{Text: "router", Kind: KindPost})
	for _, h := range r.Hits {
		if strings.Contains(h.Snippet, "<script") || strings.Contains(h.Snippet, "<img") {
			t.Errorf("snippet not escaped: %q", h.Snippet)
		}
	}
}

// TestSearchMeta: meta entries are kept with the index and survive a
// reopen.
func TestSearchMeta(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(context.Background(), sample(), nil, map[string][]byte{"digest/c1": []byte("abc")}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if v, err := x.Meta("digest/c1"); err != nil || string(v) != "abc" {
		t.Errorf("meta after reopen: %q %v", v, err)
	}
	if n, err := x.Count(); err != nil || n != uint64(len(sample())) {
		t.Errorf("count after reopen: %d %v", n, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`router "drops packets" -morning firm*`)
	f.Add(`"`)
	f.Add(`irrigat* wi-fi "how to" 東京`)
	m := indexMapping()
	f.Fuzz(func(t *testing.T, text string) {
		terms, err := parse(text)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("parse %q: %v", text, err)
			}
			return
		}
		if len(terms) > MaxTerms {
			t.Fatalf("parse %q: %d terms", text, len(terms))
		}
		for _, term := range terms {
			if term.prefix && len([]rune(term.text)) < MinPrefix {
				t.Fatalf("parse %q: short prefix %q", text, term.text)
			}
		}
		words := func(s string) []string { return wordsOf(m, s) }
		for _, analyze := range []func(string) []string{nil, words} {
			if _, err := build(Query{Text: text}, analyze); err != nil && !errors.Is(err, ErrBadQuery) {
				t.Fatalf("build %q: %v", text, err)
			}
		}
		for _, term := range terms {
			if !term.prefix {
				continue
			}
			for _, stem := range prefixStems(term.text, words) {
				if !strings.HasPrefix(term.text, stem) || len([]rune(stem)) < MinPrefix {
					t.Fatalf("prefix %q looks for %q", term.text, stem)
				}
			}
		}
	})
}

func TestSearchIDs(t *testing.T) {
	x := openTest(t)
	docs := make(map[string]*Doc)
	for i := range 2500 {
		docs[fmt.Sprintf("reply/%05d", i)] = &Doc{Community: "c1", Kind: KindReply, Thread: "big", Body: "text", Current: true}
	}
	docs["post/other"] = &Doc{Community: "c1", Kind: KindPost, Thread: "other", Body: "text", Current: true}
	if err := x.Apply(context.Background(), docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, err := x.IDs(context.Background(), "thread", "big")
	if err != nil || len(got) != 2500 || got[0] != "reply/00000" || got[2499] != "reply/02499" {
		t.Errorf("IDs: %d ids, %v", len(got), err)
	}
}

// TestSearchValues: the communities an index holds documents of, read
// from its dictionary.
func TestSearchValues(t *testing.T) {
	x := openTest(t)
	if err := x.Apply(context.Background(), sample(), nil, nil); err != nil {
		t.Fatal(err)
	}
	got, err := x.Values("community")
	if err != nil || strings.Join(got, " ") != "c1 c2" {
		t.Fatalf("Values: %q, %v; want c1 c2", got, err)
	}
	if got, err := x.Values("nosuchfield"); err != nil || len(got) != 0 {
		t.Errorf("Values of a field no document has: %q, %v", got, err)
	}
}

// TestSearchWords: what the analyser does to a word decides how it is
// looked for. A prefix matches words that start so although the index
// holds them stemmed ("database*" found nothing: the index holds
// "databas"); a word the analyser splits is a phrase of its parts, not
// any one of them ("wi-fi" found a text with "fi" alone); each part counts
// against MaxTerms; a phrase of stop words alone is refused as they are.
func TestSearchWords(t *testing.T) {
	x := openTest(t)
	docs := map[string]*Doc{
		"post/db":   {Community: "c", Kind: KindPost, Record: "db", Title: "Databases", Body: "Irrigation of greenhouses, configured weekly."},
		"post/wifi": {Community: "c", Kind: KindPost, Record: "wifi", Title: "Wi-Fi dead zones", Body: "The TCP/IP stack is fine."},
		"post/fi":   {Community: "c", Kind: KindPost, Record: "fi", Title: "Hi-fi speakers", Body: "Zebra crossing, one wi and one ip."},
		"post/rt":   {Community: "c", Kind: KindPost, Record: "rt", Title: "Routing tables", Body: "Static routes."},
	}
	if err := x.Apply(context.Background(), docs, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, want string }{
		{"database*", "post/db"},
		{"irrigat*", "post/db"},
		{"greenhouse*", "post/db"},
		{"configuring*", "post/db"},
		{"Configured*", "post/db"},
		{"router*", ""}, // not "routing": a stem 3 letters short of the prefix is not taken
		{"wi-fi", "post/wifi"},
		{"tcp/ip", "post/wifi"},
		{"zebra-unicorn", ""},
		{"-wi-fi zebra", "post/fi"},
	} {
		if got := ids(search(t, x, Query{Text: c.text})); got != c.want {
			t.Errorf("%q: got %q, want %q", c.text, got, c.want)
		}
	}
	for _, text := range []string{`"the"`, `"how to"`, strings.Repeat("a1-", 40) + "b"} {
		if _, err := x.Search(context.Background(), Query{Text: text}); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%q: %v, want a bad query", text, err)
		}
	}
}

// TestPlainSnippet: a snippet shows text, not the Markdown marks it was
// typed with (fences, code spans, strong emphasis, headings' hashes);
// single marks, often part of technical text, stay.
func TestPlainSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"## Starter care\n**feed** it `daily`": "Starter care\nfeed it daily",
		"```go\nx := <mark>y</mark>\n```":      "go\nx := <mark>y</mark>\n",
		"see __init__ and *ptr":                "see __init__ and *ptr",
		"issue #12 and C# notes":               "issue #12 and C# notes",
	} {
		if got := plainSnippet(in); got != want {
			t.Errorf("plainSnippet(%q) = %q, want %q", in, got, want)
		}
	}
}
