package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestDisplayWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"Which linter?", 13},
		{"café", 4},
		{"cafe\u0301", 4}, // e and a combining accent
		{"証明書の更新", 12},
		{"ＡＢ", 4}, // full-width Latin
		{"🚀 launch", 9},
		{"❤️", 1},  // a narrow heart and its emoji variation selector: terminals differ; counted as its base
		{"👩‍💻", 4}, // two wide emoji joined: terminals that do not join show both
	} {
		if got := displayWidth(tc.s); got != tc.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// TestTableAlignsWideText: the columns after a cell of wide characters
// start in the same terminal column on every line.
func TestTableAlignsWideText(t *testing.T) {
	var out strings.Builder
	tw := newTable(&out)
	fmt.Fprintln(tw, "ID\tTITLE\tREPLIES")
	fmt.Fprintln(tw, "1a2b\t証明書の更新\t3")
	fmt.Fprintln(tw, "3c4d\tRenewing certificates\t12")
	fmt.Fprintln(tw, "5e6f\t🚀 launch\t0")
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	want := -1
	for _, line := range lines {
		i := strings.LastIndex(line, "  ") + 2 // where the last column starts
		col := displayWidth(line[:i])
		if want == -1 {
			want = col
		}
		if col != want {
			t.Errorf("last column at %d, want %d:\n%s", col, want, out.String())
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}
	if want != len("3c4d  Renewing certificates  ") {
		t.Errorf("last column at %d:\n%s", want, out.String())
	}
}

// TestTermText: a carriage return in someone's text cannot send the
// terminal back over what was printed.
func TestTermText(t *testing.T) {
	for in, want := range map[string]string{
		"Harmless\r— forged line": "Harmless\n— forged line",
		"windows\r\nlines\r\n":    "windows\nlines\n",
		"plain\ntext":             "plain\ntext",
	} {
		if got := termText(in); got != want || strings.Contains(got, "\r") {
			t.Errorf("termText(%q) = %q, want %q", in, got, want)
		}
	}
}
