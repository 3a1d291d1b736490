package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestAsideLimit: a community holds at most MaxAside records of authors
// not admitted. More are refused: not stored, and the outcome says so (Put
// returns ErrAsideFull). The count survives a restart and falls as their
// authors are admitted, and a refused record is taken when it comes again
// once its author is.
func TestAsideLimit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *Store {
		s, err := Open(dir, Options{MaxAside: 3})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	w, g := newWorld(t, protocol.JoinOpen)
	var posts []*protocol.Record
	for i := range 5 {
		posts = append(posts, w.post(alice, fmt.Sprintf("Before joining %d", i)))
	}
	out := ingest(t, s, append([]*protocol.Record{g}, posts...)...)
	for i, o := range out[1:] {
		want := i < 3
		if o.Added != want || o.Refused == want || o.Status != protocol.StatusPending {
			t.Errorf("stranger's post %d: %+v, want added %v", i, o, want)
		}
		if _, err := s.Get(ctx, o.ID); errors.Is(err, ErrNotFound) == want {
			t.Errorf("stranger's post %d: Get gave %v", i, err)
		}
	}
	checkClean(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open()
	defer s.Close()
	other := w.post(bob, "Another stranger")
	if out := ingest(t, s, other); !out[0].Refused || out[0].Added {
		t.Errorf("after a restart, a fourth record aside: %+v", out[0])
	}
	if _, err := s.Put(ctx, w.post(bob, "Mine")); !errors.Is(err, ErrAsideFull) {
		t.Errorf("Put of a record over the bound: %v", err)
	}
	ingest(t, s, w.join(alice))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The refused posts come again (as a sync would bring them).
	for _, o := range ingest(t, s, posts[3], posts[4]) {
		if !o.Added || o.Status != protocol.StatusAccepted {
			t.Errorf("a refused post after its author's join: %+v", o)
		}
	}
	// Alice's first three are accepted now: room for Bob's.
	if out := ingest(t, s, other); !out[0].Added || out[0].Status != protocol.StatusPending {
		t.Errorf("a record aside once the others were admitted: %+v", out[0])
	}
	page, err := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 10)
	if err != nil || len(page.Items) != 5 {
		t.Fatalf("threads after the join: %d, %v", len(page.Items), err)
	}
	checkClean(t, s)
}
