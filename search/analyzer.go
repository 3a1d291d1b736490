package search

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// analyzerName is the analyser of titles and bodies: bleve's English one
// (possessives, lower case, stop words, Porter stemming) with accents
// folded after lower-casing, so that "cafe" finds "café", "Jose" finds
// "José" and "strasse" finds "Straße", and the reverse: members of one
// community type with different keyboards. An index whose mapping names
// another analyser was made before folding and is rebuilt (ErrOutdated).
const analyzerName = "kith_en"

// foldName is the token filter that folds accented Latin letters (and
// ligatures, full-width forms) to ASCII. It is a token filter, not bleve's
// asciifolding character filter: a character filter changes the text's
// length before it is cut into words, and highlighted snippets, which
// mark byte offsets of the stored text, would then mark the wrong letters.
const foldName = "kith_fold"

type foldFilter struct{}

// Filter folds each token's term in place.
func (foldFilter) Filter(tokens analysis.TokenStream) analysis.TokenStream {
	for _, t := range tokens {
		t.Term = foldBytes(t.Term)
	}
	return tokens
}

// foldBytes folds b's accented letters to ASCII (b itself when it has
// none, the common case: no copy).
func foldBytes(b []byte) []byte {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return asciifolding.New().Filter(b)
		}
	}
	return b
}

func init() {
	err := registry.RegisterTokenFilter(foldName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	})
	if err != nil {
		panic(err)
	}
}

// addAnalyzer defines analyzerName in m.
func addAnalyzer(m *mapping.IndexMappingImpl) error {
	return m.AddCustomAnalyzer(analyzerName, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, lowercase.Name, foldName, en.StopName, porter.Name},
	})
}

// fold folds s as the index folds words.
func fold(s string) string { return string(foldBytes([]byte(s))) }
