package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLoneSurrogate: half a surrogate pair escaped alone is found, a
// whole pair and other escapes are not.
func TestLoneSurrogate(t *testing.T) {
	for in, want := range map[string]int{
		`{"body":"\ud83d\ude00"}`:     -1, // 😀, whole
		`{"body":"\ud83d"}`:           9,
		`{"body":"ok \ude00"}`:        12,
		`{"body":"\ud83d\u0041"}`:     9,
		`{"body":"\\ud83d"}`:          -1, // a backslash, then text
		`{"body":"\"\ud83d"}`:         11,
		`{"body":"caf\u00e9 \u2713"}`: -1,
		`{"body":"\ud83d`:             9,
	} {
		if got := loneSurrogate([]byte(in)); got != want {
			t.Errorf("loneSurrogate(%s) = %d, want %d", in, got, want)
		}
	}
}

// FuzzLoneSurrogate: JSON text that is UTF-8, with no lone surrogate and
// no U+FFFD of its own, decodes to text without U+FFFD: what the API
// refuses is exactly what decoding would damage.
func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud83d"`, `"\\ud83d"`, `"a\u0041"`, `"\udc00\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		i := loneSurrogate(b)
		if i >= len(b) {
			t.Fatalf("offset %d past the input's %d bytes", i, len(b))
		}
		var s string
		if !utf8.Valid(b) || json.Unmarshal(b, &s) != nil || bytes.ContainsRune(b, utf8.RuneError) || strings.Contains(strings.ToLower(string(b)), `\ufffd`) {
			return
		}
		if i < 0 && strings.ContainsRune(s, utf8.RuneError) {
			t.Errorf("%q decodes to %q, with U+FFFD, and no lone surrogate was found", b, s)
		}
	})
}
