// Package textdiff compares two texts line by line, for showing what a
// revision of a note changed. Texts come from other members: the work is
// bounded whatever they hold.
package textdiff

import (
	"strings"
)

// Op says what happened to a line.
type Op byte

// Line operations.
const (
	Same   Op = ' '
	Delete Op = '-'
	Insert Op = '+'
)

// Line is one line of a diff.
type Line struct {
	Op   Op
	Text string
}

// maxCells bounds the comparison table: past it (two long texts that
// differ all through), the differing middle is shown as deleted then
// inserted whole rather than aligned.
const maxCells = 1 << 22

// Lines returns the lines of a and b as a diff: common lines, and lines
// only in a (Delete) or only in b (Insert), in order.
func Lines(a, b string) []Line {
	x, y := split(a), split(b)
	// Common prefix and suffix first: edits are usually local.
	p := 0
	for p < len(x) && p < len(y) && x[p] == y[p] {
		p++
	}
	s := 0
	for s < len(x)-p && s < len(y)-p && x[len(x)-1-s] == y[len(y)-1-s] {
		s++
	}
	var out []Line
	for _, l := range x[:p] {
		out = append(out, Line{Same, l})
	}
	out = append(out, middle(x[p:len(x)-s], y[p:len(y)-s])...)
	for _, l := range x[len(x)-s:] {
		out = append(out, Line{Same, l})
	}
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// middle aligns x and y by their longest common subsequence.
func middle(x, y []string) []Line {
	var out []Line
	if len(x)*len(y) > maxCells || len(x) == 0 || len(y) == 0 {
		for _, l := range x {
			out = append(out, Line{Delete, l})
		}
		for _, l := range y {
			out = append(out, Line{Insert, l})
		}
		return out
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	w := len(y) + 1
	lcs := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, Line{Same, x[i]})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, Line{Delete, x[i]})
			i++
		default:
			out = append(out, Line{Insert, y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, Line{Delete, x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, Line{Insert, y[j]})
	}
	return out
}

// Unified renders a diff with one character of prefix per line, like the
// body of a unified diff.
func Unified(lines []Line) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteByte(byte(l.Op))
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
