package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

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

// meter shows on a progress line how many bytes went through it (read
// from R, or written to W), at most every 200 ms. Its Read may run on
// another goroutine (an HTTP client sending a body) until after the
// answer came, so it locks, and says nothing once ended.
type meter struct {
	R    io.Reader
	W    io.Writer
	line *progressLine
	say  func(n uint64) string // the line for n bytes so far

	mu   sync.Mutex
	n    uint64
	last time.Time
	done bool
}

func newMeter(line *progressLine, say func(n uint64) string) *meter {
	return &meter{line: line, say: say}
}

func (m *meter) Read(p []byte) (int, error) {
	k, err := m.R.Read(p)
	m.add(k, err == io.EOF)
	return k, err
}

func (m *meter) Write(p []byte) (int, error) {
	k, err := m.W.Write(p)
	m.add(k, false)
	return k, err
}

func (m *meter) add(k int, now bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n += uint64(k)
	if !m.done && (now || time.Since(m.last) >= 200*time.Millisecond) {
		m.last = time.Now()
		m.line.show(m.say(m.n))
	}
}

// show shows s now, on the meter's line.
func (m *meter) show(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.done {
		m.line.show(s)
	}
}

// end ends the meter's line (progressLine.end); it shows nothing after.
func (m *meter) end(keep bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done = true
	m.line.end(keep)
}
