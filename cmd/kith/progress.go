package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// progressLine shows the progress of long work on one line of w: redrawn
// in place on a terminal; elsewhere (a log file, a pipe, a script) where
// escape codes and carriage returns are noise, only its last state, when
// the work ends.
type progressLine struct {
	w    io.Writer
	tty  bool
	last string
}

func newProgressLine(w io.Writer) *progressLine {
	f, ok := w.(*os.File)
	return &progressLine{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

// show replaces the line with s.
func (p *progressLine) show(s string) {
	p.last = s
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", s)
	}
}

// end ends the line: on a terminal, kept (keep) or wiped; elsewhere, its
// last state written once if keep.
func (p *progressLine) end(keep bool) {
	switch {
	case p.last == "":
	case p.tty && keep:
		fmt.Fprintln(p.w)
	case p.tty:
		fmt.Fprint(p.w, "\r\033[K")
	case keep:
		fmt.Fprintln(p.w, p.last)
	}
	p.last = ""
}
