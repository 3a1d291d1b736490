package ui

import (
	"strings"
)

// Any member can write a record that every member's UI renders, so
// rendering must cost about as much as the text is long. goldmark does
// not: measured with v1.8.7 on 60,000-byte texts (docs/ui.md), its time
// grows with the square of
//
//   - the nesting of block quotes and lists (">>>>…": 3.4 s),
//   - the emphasis delimiter runs of one paragraph ("_a*_a*…": 4.5 s),
//   - the link and image openers of one paragraph ("![a](…": 1.7 s,
//     "[\n[\n…]\n]": 0.6 s), and of openers times the length of their
//     line ("[a](<…": 0.8 s).
//
// costlyMarkdown estimates those terms, in about goldmark's nanoseconds,
// and refuses text over markdownBudget: such text is shown as plain text.
// Paragraphs are taken to end only at blank lines, which can only
// overestimate a paragraph, so the estimate errs towards plain text.
// Ordinary writing is far below the budget: a list of 2,000 links
// without a blank line is the largest realistic case that fits.
const (
	markdownBudget = 50_000_000 // about 50 ms of rendering
	maxNesting     = 8          // quotes and list markers opening one line
)

// costlyMarkdown reports whether rendering text as Markdown could cost far
// more than its length.
func costlyMarkdown(text string) bool {
	var cost, runs, openers int
	endParagraph := func() {
		cost += 2*runs*runs + 11*openers*openers
		runs, openers = 0, 0
	}
	fenced := false
	for line := range strings.Lines(text) {
		trimmed := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fenced = !fenced
			endParagraph()
			continue
		}
		if fenced {
			continue // code: no blocks or inlines inside
		}
		if strings.TrimSpace(line) == "" {
			endParagraph()
			continue
		}
		// A list nests under the line before it by indentation as well as
		// by markers: a level takes at least two columns, so depth is at
		// most indent/2 plus the markers. indent/4 keeps room for four
		// columns a level, an ordinary way to write.
		if markers := nesting(line); markers > 0 && indent(line)/4+markers > maxNesting {
			return true
		}
		lineOpeners := strings.Count(line, "[")
		openers += lineOpeners
		runs += delimiterRuns(line)
		cost += 2 * lineOpeners * len(line)
		if cost > markdownBudget {
			return true
		}
	}
	endParagraph()
	return cost > markdownBudget
}

// indent is the column at which line's text starts, tabs stopping every
// four columns.
func indent(line string) int {
	col := 0
	for _, c := range line {
		switch c {
		case ' ':
			col++
		case '\t':
			col += 4 - col%4
		default:
			return col
		}
	}
	return col
}

// nesting counts the block quote and list markers that open a line.
func nesting(line string) int {
	n := 0
	for {
		line = strings.TrimLeft(line, " \t")
		switch {
		case strings.HasPrefix(line, ">"):
			line = line[1:]
		case len(line) >= 2 && strings.IndexByte("-*+", line[0]) >= 0 && (line[1] == ' ' || line[1] == '\t'):
			line = line[2:]
		default:
			digits := len(line) - len(strings.TrimLeft(line, "0123456789"))
			if digits == 0 || digits > 9 || len(line) < digits+2 || (line[digits] != '.' && line[digits] != ')') ||
				(line[digits+1] != ' ' && line[digits+1] != '\t') {
				return n
			}
			line = line[digits+2:]
		}
		n++
	}
}

// delimiterRuns counts the runs of emphasis and strikethrough delimiters
// in line: "**" is one run, "*_" two.
func delimiterRuns(line string) int {
	n := 0
	var prev byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		if (c == '*' || c == '_' || c == '~') && c != prev {
			n++
		}
		prev = c
	}
	return n
}
