package main

import (
	"bytes"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// table lines up tab-separated cells in columns, as text/tabwriter does,
// but by the width a terminal gives each character: tabwriter counts
// runes, so a title in Chinese or Japanese, or with an emoji, pushed the
// columns after it out of line. Write it lines of cells ending in tabs;
// the last cell of a line is not padded. Flush writes the table.
type table struct {
	out     io.Writer
	padding int
	buf     bytes.Buffer
}

// newTable returns a table writing to out with two spaces between columns.
func newTable(out io.Writer) *table { return &table{out: out, padding: 2} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the lines written so far, in columns.
func (t *table) Flush() error {
	text := strings.TrimSuffix(t.buf.String(), "\n")
	t.buf.Reset()
	if text == "" {
		return nil
	}
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(line, "\t")
		for i, c := range cells[:len(cells)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
		rows = append(rows, cells)
	}
	var b strings.Builder
	for _, cells := range rows {
		last := len(cells) - 1
		for i, c := range cells[:last] {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+t.padding))
		}
		b.WriteString(cells[last])
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.out, b.String())
	return err
}

// displayWidth is how many columns a terminal gives s: two for East
// Asian wide and full-width characters (most emoji among them), none for
// combining marks, joiners and variation selectors, one for the rest.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x300:
			n++ // ASCII and Latin: the common case, without a table lookup
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || unicode.Is(unicode.Variation_Selector, r):
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// termText is text someone wrote, for a terminal: records allow carriage
// returns in text (a Windows line end), and a lone one sends the
// terminal back to the start of the line, where what follows overwrites
// what was written; a forged "accepted answer" line could hide the text
// before it. Each line end is printed as a newline.
func termText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
