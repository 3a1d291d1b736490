package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
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

// TestAsideLimitControls: joins that admit no one (their invite is not
// here) count against the bound too; past it they are refused and leave
// the membership as it was, and the store stays consistent.
func TestAsideLimitControls(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{MaxAside: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, g := newWorld(t, protocol.JoinInvite)
	recs := []*protocol.Record{g}
	for i := range 5 {
		stranger, invite := prototest.Key(fmt.Sprint("stranger ", i)), prototest.Key(fmt.Sprint("their own invite ", i))
		recs = append(recs, w.rec(stranger, protocol.Refs{Target: protocol.ID{byte(i + 1)}}, &protocol.Join{
			InviteKey: protocol.PublicKeyOf(invite), InviteProof: protocol.InviteProof(invite, w.id, protocol.PublicKeyOf(stranger))}))
	}
	recs = append(recs, w.post(founder, "Still ours"))
	out := ingest(t, s, recs...)
	added, refused := 0, 0
	for _, o := range out[1 : len(out)-1] {
		if o.Status != protocol.StatusPending || o.Added == o.Refused {
			t.Errorf("a join without its invite: %+v", o)
		}
		if o.Added {
			added++
		}
		if o.Refused {
			refused++
		}
	}
	if added != 3 || refused != 2 || !out[len(out)-1].Added || out[len(out)-1].Status != protocol.StatusAccepted {
		t.Errorf("%d joins kept, %d refused; the founder's post: %+v", added, refused, out[len(out)-1])
	}
	members, err := s.Members(ctx, w.id, "", 10)
	if err != nil || len(members.Items) != 1 {
		t.Errorf("members: %+v, %v", members.Items, err)
	}
	checkClean(t, s)
}
