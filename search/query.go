package search

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is a search: words and "quoted phrases" that must all match,
// -words that must not, word* prefixes (at least three letters before the
// star), and filters.
type Query struct {
	Text      string
	Community string // only this community; empty for all
	Kind      string // only this kind of document (KindPost, ...)
	Tag       string
	Author    string
	From, To  time.Time // created within [From, To); zero for open ends
	// Answered: "yes" for answered questions and accepted answers, "no"
	// for the rest; empty for both.
	Answered string
	Limit    int // at most MaxLimit; default 20
	Offset   int
}

// Limits on what a query may ask, so that no query from the search box
// scans the index without end.
const (
	MaxQueryBytes = 1000
	MaxTerms      = 32
	MinPrefix     = 3
	MaxLimit      = 100
	MaxOffset     = 1000
	// Timeout bounds one search, whatever the caller's context allows.
	Timeout = 5 * time.Second
)

// ErrBadQuery is the error of a query that cannot be run as written; its
// message says why in words.
var ErrBadQuery = errors.New("bad search")

// term is one part of the search text.
type term struct {
	text   string
	phrase bool
	prefix bool
	not    bool
	// stems are the other prefixes a word* term looks for (prefixStems).
	stems []string
	// words is how many words the analyser makes of text: a word it
	// splits ("wi-fi", "tcp/ip", a run of CJK characters) is searched as
	// a phrase of them, not as any one of them.
	words int
}

// parse splits the search text into terms.
func parse(text string) ([]term, error) {
	if len(text) > MaxQueryBytes {
		return nil, fmt.Errorf("%w: the search is %d bytes long; at most %d", ErrBadQuery, len(text), MaxQueryBytes)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: the search is not valid UTF-8 text", ErrBadQuery)
	}
	var terms []term
	rest := strings.TrimSpace(text)
	for rest != "" {
		var t term
		if rest[0] == '-' {
			t.not, rest = true, rest[1:]
		}
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: a phrase is opened with \" and never closed", ErrBadQuery)
			}
			t.text, t.phrase, rest = rest[1:1+end], true, rest[2+end:]
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			t.text, rest = rest[:end], rest[end:]
			if s, ok := strings.CutSuffix(t.text, "*"); ok {
				if utf8.RuneCountInString(strings.TrimRight(s, "*")) < MinPrefix || strings.ContainsAny(s, "*?") {
					return nil, fmt.Errorf("%w: %q: a word ending in * needs at least %d letters before the star, and one star", ErrBadQuery, t.text, MinPrefix)
				}
				// The index holds words folded (analyzer.go): so is a prefix.
				t.text, t.prefix = fold(strings.ToLower(s)), true
			}
		}
		rest = strings.TrimSpace(rest)
		if strings.TrimFunc(t.text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) == "" {
			continue // nothing to look for: punctuation, an empty phrase
		}
		if terms = append(terms, t); len(terms) > MaxTerms {
			return nil, fmt.Errorf("%w: more than %d words", ErrBadQuery, MaxTerms)
		}
	}
	return terms, nil
}

// textQuery finds a term in a title or a body; a title counts double.
func textQuery(t term) query.Query {
	var fields []query.Query
	for _, f := range []struct {
		name  string
		boost float64
	}{{"title", 2}, {"body", 1}} {
		var qs []interface {
			query.Query
			SetField(string)
			SetBoost(float64)
		}
		switch {
		case t.prefix:
			for _, p := range append([]string{t.text}, t.stems...) {
				qs = append(qs, bleve.NewPrefixQuery(p))
			}
		case t.phrase || t.words > 1:
			qs = append(qs, bleve.NewMatchPhraseQuery(t.text))
		default:
			qs = append(qs, bleve.NewMatchQuery(t.text))
		}
		for _, q := range qs {
			q.SetField(f.name)
			q.SetBoost(f.boost)
			fields = append(fields, q)
		}
	}
	return bleve.NewDisjunctionQuery(fields...)
}

// prefixStems returns the stems a word* term looks for besides its own
// letters: the index holds words as the English stemmer cuts them
// ("databases" as "databas", "irrigation" as "irrig"), so "database*" or
// "irrigat*" alone matches no word of the index. A stem counts when it is
// the stemmer's cut of the prefix taken as a word, or of it with an "e"
// ("irrigate"), and is the prefix or a start of it no more than 3 letters
// shorter: so "database*" also looks for "databas*", and "router*" looks
// for nothing shorter than "router".
func prefixStems(prefix string, analyze func(string) []string) []string {
	var out []string
	for _, w := range []string{prefix, prefix + "e"} {
		words := analyze(w)
		if len(words) != 1 {
			continue
		}
		stem := words[0]
		if stem == prefix || !strings.HasPrefix(prefix, stem) || utf8.RuneCountInString(stem) < MinPrefix ||
			len(prefix)-len(stem) > 3 || slices.Contains(out, stem) {
			continue
		}
		out = append(out, stem)
	}
	return out
}

func keywordQuery(field, value string) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	return q
}

func boolQuery(field string, value bool, boost float64) query.Query {
	q := bleve.NewBoolFieldQuery(value)
	q.SetField(field)
	if boost != 0 {
		q.SetBoost(boost)
	}
	return q
}

// build turns a query into bleve's: the text and the filters must match;
// accepted answers, answered questions, current note heads and helpful
// documents score higher.
//
// A word that the English analyser drops (a stop word: "how", "the",
// "before") asks for nothing and is left out; otherwise "how to configure
// the router" would find nothing.
func build(q Query, analyze func(string) []string) (query.Query, error) {
	terms, err := parse(q.Text)
	if err != nil {
		return nil, err
	}
	kept := terms[:0]
	words := 0
	for _, t := range terms {
		if analyze != nil {
			if t.prefix {
				t.stems = prefixStems(t.text, analyze)
			} else if t.words = len(analyze(t.text)); t.words == 0 {
				continue // stop words alone, even quoted
			}
		}
		// A word split in many ("a-b-c-…") is as many words to look for.
		if words += max(t.words, 1); words > MaxTerms {
			return nil, fmt.Errorf("%w: more than %d words", ErrBadQuery, MaxTerms)
		}
		kept = append(kept, t)
	}
	if len(kept) == 0 && len(terms) > 0 {
		return nil, fmt.Errorf("%w: only words too common to search for (such as \"the\" or \"how\")", ErrBadQuery)
	}
	terms = kept
	b := bleve.NewBooleanQuery()
	positive := 0
	for _, t := range terms {
		if t.not {
			b.AddMustNot(textQuery(t))
		} else {
			b.AddMust(textQuery(t))
			positive++
		}
	}
	// Filters alone are a search too ("everything tagged tls"); with no
	// filter and no word, there is nothing to look for.
	filtered := q.Community != "" || q.Kind != "" || q.Tag != "" || q.Author != "" || q.Answered != "" || !q.From.IsZero() || !q.To.IsZero()
	if positive == 0 && !filtered {
		return nil, fmt.Errorf("%w: say what to look for (a word, or a \"phrase\")", ErrBadQuery)
	}
	for field, value := range map[string]string{"community": q.Community, "kind": q.Kind, "tags": q.Tag, "author": q.Author} {
		if value != "" {
			b.AddMust(keywordQuery(field, value))
		}
	}
	switch q.Answered {
	case "":
	case "yes":
		b.AddMust(boolQuery("answered", true, 0))
	case "no":
		b.AddMust(boolQuery("answered", false, 0))
	default:
		return nil, fmt.Errorf("%w: answered is yes or no, not %q", ErrBadQuery, q.Answered)
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
			// Equal bounds are empty too: the end is excluded.
			return nil, fmt.Errorf("%w: the date range ends before it starts, or where it starts (a time given as the end is excluded, a date is its whole day)", ErrBadQuery)
		}
		dr := bleve.NewDateRangeQuery(q.From, q.To)
		dr.SetField("created")
		b.AddMust(dr)
	}
	one, five := 1.0, 5.0
	helpful, veryHelpful := bleve.NewNumericRangeQuery(&one, nil), bleve.NewNumericRangeQuery(&five, nil)
	helpful.SetField("helpful")
	veryHelpful.SetField("helpful")
	b.AddShould(boolQuery("accepted", true, 3), boolQuery("answered", true, 1), boolQuery("current", true, 2), helpful, veryHelpful)
	return b, nil
}

// words returns the words the English analyser makes of text, as the
// index holds them (lower case, stemmed, without stop words).
func (x *Index) words(text string) []string { return wordsOf(x.idx.Mapping(), text) }

func wordsOf(m mapping.IndexMapping, text string) []string {
	a := m.AnalyzerNamed(analyzerName)
	if a == nil {
		return strings.Fields(strings.ToLower(text))
	}
	var out []string
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}

// Hit is one search result.
type Hit struct {
	ID        string
	Community string
	Kind      string
	Thread    string
	Record    string
	Title     string
	Author    string
	Created   time.Time
	Accepted  bool
	Current   bool
	// Snippet is HTML: the matching part of the text, escaped, with the
	// matched words in <mark>.
	Snippet string
	Score   float64
}

// Results is a page of hits.
type Results struct {
	Total uint64 // results: the documents that match, a note's revisions once
	// Exact says Total is exact: otherwise a note's revisions past the
	// page may each count (collapse), and Total is at most that high.
	Exact bool
	Hits  []Hit
	Took  time.Duration
}

// Search runs q.
func (x *Index) Search(ctx context.Context, q Query) (Results, error) {
	bq, err := build(q, x.words)
	if err != nil {
		return Results{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if limit > MaxLimit || q.Offset < 0 || q.Offset > MaxOffset {
		return Results{}, fmt.Errorf("%w: at most %d results a page and %d results deep", ErrBadQuery, MaxLimit, MaxOffset)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	failed := func(err error) (Results, error) {
		if ctx.Err() != nil {
			return Results{}, fmt.Errorf("search took longer than %v: narrow it down: %w", Timeout, ctx.Err())
		}
		return Results{}, fmt.Errorf("search: %w", err)
	}
	// When no note in the index has an older revision, every match is a
	// result of its own: one request. Otherwise the revisions of a note
	// are counted once (collapse), then the page is read again.
	older, err := x.counts.get("older", func() (uint64, error) {
		return x.count(ctx, bleve.NewConjunctionQuery(keywordQuery("kind", KindNote), boolQuery("current", false, 1)))
	})
	if err != nil {
		return failed(err)
	}
	page := collapsedPage{exact: true}
	req := bleve.NewSearchRequestOptions(bq, limit, q.Offset, false)
	if older > 0 {
		if page, err = x.collapse(ctx, bq, q.Offset, limit); err != nil {
			return failed(err)
		}
		if len(page.ids) == 0 {
			return Results{Total: page.total, Exact: page.exact, Took: time.Since(start)}, nil
		}
		req = bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bq, bleve.NewDocIDQuery(page.ids)), len(page.ids), 0, false)
	}
	req.Fields = []string{"community", "kind", "thread", "record", "title", "author", "created", "accepted", "current"}
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = []string{"body", "title"}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return failed(err)
	}
	if older == 0 {
		page.total = res.Total
		page.scores = make(map[string]float64, len(res.Hits))
		for _, m := range res.Hits {
			page.ids = append(page.ids, m.ID)
			page.scores[m.ID] = m.Score
		}
	}
	out := Results{Total: page.total, Exact: page.exact}
	byID := make(map[string]*bleveHit, len(res.Hits))
	for _, m := range res.Hits {
		byID[m.ID] = m
	}
	out.Took = time.Since(start)
	for _, id := range page.ids {
		m := byID[id]
		if m == nil {
			continue // changed between the two reads
		}
		h := Hit{ID: m.ID, Score: page.scores[id]}
		h.Community, _ = m.Fields["community"].(string)
		h.Kind, _ = m.Fields["kind"].(string)
		h.Thread, _ = m.Fields["thread"].(string)
		h.Record, _ = m.Fields["record"].(string)
		h.Title, _ = m.Fields["title"].(string)
		h.Author, _ = m.Fields["author"].(string)
		h.Accepted, _ = m.Fields["accepted"].(bool)
		h.Current, _ = m.Fields["current"].(bool)
		if s, ok := m.Fields["created"].(string); ok {
			h.Created, _ = time.Parse(time.RFC3339, s)
		}
		// The body's matching part; else the title's; else the body's
		// start (bleve gives a field's start when nothing in it matched).
		for _, field := range []string{"body", "title", "body"} {
			if f := m.Fragments[field]; len(f) > 0 && (h.Snippet == "" || strings.Contains(f[0], "<mark>")) {
				if h.Snippet = f[0]; strings.Contains(h.Snippet, "<mark>") {
					break
				}
			}
		}
		h.Snippet = plainSnippet(h.Snippet)
		out.Hits = append(out.Hits, h)
	}
	return out, nil
}

// Markdown's marks that a snippet, shown as text, would show as typed:
// code fences and spans, strong emphasis, and headings' hashes. Single
// "*" and "_" stay: in technical text they are as often part of it
// (pointers, __init__).
var (
	markdownMarks = strings.NewReplacer("```", "", "**", "", "`", "")
	headingMarks  = regexp.MustCompile(`(?m)(^|\n)[ \t]{0,3}#{1,6}[ \t]+`)
)

// plainSnippet is a snippet without the Markdown marks people would read
// as noise.
func plainSnippet(s string) string {
	return markdownMarks.Replace(headingMarks.ReplaceAllString(s, "$1"))
}
