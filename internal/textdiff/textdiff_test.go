package textdiff

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"", "", ""},
		{"one\n", "one\n", " one\n"},
		{"one\ntwo\nthree\n", "one\n2\nthree\n", " one\n-two\n+2\n three\n"},
		{"a\nb\nc\nd\n", "a\nc\nd\ne\n", " a\n-b\n c\n d\n+e\n"},
		{"", "new\n", "+new\n"},
		{"gone\n", "", "-gone\n"},
		{"x\ny\n", "y\nx\n", "-x\n y\n+x\n"},
	} {
		if got := Unified(Lines(tc.a, tc.b)); got != tc.want {
			t.Errorf("Lines(%q, %q):\n%s\nwant:\n%s", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestLinesBounded: two long texts that differ on every line still diff
// quickly, as a whole deletion and insertion, and keep every line.
func TestLinesBounded(t *testing.T) {
	var a, b strings.Builder
	for i := range 5000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	lines := Lines(a.String(), b.String())
	var del, ins int
	for _, l := range lines {
		switch l.Op {
		case Delete:
			del++
		case Insert:
			ins++
		}
	}
	if del != 5000 || ins != 5000 {
		t.Errorf("%d deleted, %d inserted, want 5000 each", del, ins)
	}
}

// FuzzLines: any two texts give a diff whose Same and Delete lines
// rebuild the first, and Same and Insert lines the second.
func FuzzLines(f *testing.F) {
	f.Add("one\ntwo\n", "one\nthree\n")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		var ra, rb []string
		for _, l := range Lines(a, b) {
			if l.Op != Insert {
				ra = append(ra, l.Text)
			}
			if l.Op != Delete {
				rb = append(rb, l.Text)
			}
		}
		if got := strings.Join(ra, "\n"); got != strings.Join(split(a), "\n") {
			t.Fatalf("first text rebuilt as %q from %q", got, a)
		}
		if got := strings.Join(rb, "\n"); got != strings.Join(split(b), "\n") {
			t.Fatalf("second text rebuilt as %q from %q", got, b)
		}
	})
}
