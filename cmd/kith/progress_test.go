package main

import (
	"strings"
	"testing"
)

// TestProgressLineOffATerminal: to a pipe or a file, progress writes no
// carriage return nor escape code, only its last state, when kept.
func TestProgressLineOffATerminal(t *testing.T) {
	var b strings.Builder
	p := newProgressLine(&b)
	p.show("verified 5000 of 9000 records")
	p.show("verified 9000 of 9000 records")
	p.end(true)
	p.show("fetching: 1 MiB of 2 MiB")
	p.end(false)
	if got := b.String(); got != "verified 9000 of 9000 records\n" {
		t.Errorf("progress off a terminal wrote %q", got)
	}
}
