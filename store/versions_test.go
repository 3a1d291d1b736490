package store

import (
	"context"
	"errors"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestVersions: a post's and a reply's versions are the original and its
// author's edits, oldest first; an "edit" by someone else is none of them.
func TestVersions(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "v1", Text: "first"})
	e1 := w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Post{Type: protocol.PostQuestion, Title: "v2", Text: "second"})
	ingest(t, s, g, w.join(alice), p, e1)
	forged := w.rec(alice, protocol.Refs{Target: p.ID()}, &protocol.Post{Type: protocol.PostQuestion, Title: "mine now", Text: "forged"})
	e2 := w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Post{Type: protocol.PostQuestion, Title: "v3", Text: "third"})
	r := w.rec(alice, protocol.Refs{Root: p.ID()}, &protocol.Reply{Text: "a reply"})
	re := w.rec(alice, protocol.Refs{Root: p.ID(), Target: r.ID()}, &protocol.Reply{Text: "a better reply"})
	ingest(t, s, forged, e2, r, re)
	ctx := context.Background()
	titles := func(id protocol.ID) []string {
		t.Helper()
		vs, err := s.Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			switch b := v.Record.Content().(type) {
			case *protocol.Post:
				out = append(out, b.Title)
			case *protocol.Reply:
				out = append(out, b.Text)
			}
		}
		return out
	}
	if got := titles(p.ID()); len(got) != 3 || got[0] != "v1" || got[1] != "v2" || got[2] != "v3" {
		t.Errorf("post versions: %q, want v1 v2 v3", got)
	}
	if got := titles(r.ID()); len(got) != 2 || got[1] != "a better reply" {
		t.Errorf("reply versions: %q", got)
	}
	if _, err := s.Versions(ctx, protocol.ID{9}); !errors.Is(err, ErrNotFound) {
		t.Errorf("versions of nothing: %v", err)
	}
}
