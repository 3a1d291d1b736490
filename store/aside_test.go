package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestAsideLimit: a community holds at most MaxAside records of authors
// not admitted from Ingest. More are refused: not stored, and the outcome
// says so; the member's own (Put) are not bounded. The count survives a
// restart and falls as their authors are admitted, and a refused record
// is taken when it comes again once its author is.
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
	// The member's own records are not bounded.
	if out, err := s.Put(ctx, w.post(carol, "Mine, before my join arrives")); err != nil || !out.Added || out.Status != protocol.StatusPending {
		t.Errorf("Put over the bound: %+v, %v", out, err)
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

// asideOf returns the count of records set aside that the store keeps in
// memory for community c, and the count its records on disk give.
func asideOf(t *testing.T, s *Store, c protocol.ID) (memory, disk int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.View(func(txn *badger.Txn) error {
		loaded, err := loadCommunity(txn, c)
		disk = loaded.aside
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.communities[c].aside, disk
}

// TestAsideCountFollowsStatuses: the count of records set aside that
// bounds a community stays what its records on disk say, however records
// arrive: a stranger's reaction waiting for its target, admitted by a
// join and moved into the target's object before the views refresh, is
// counted out once; and over random communities, shuffled, in random
// batches with refreshes between, under a tight bound and none.
func TestAsideCountFollowsStatuses(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{FlushDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.post(founder, "Target")
	ingest(t, s, g, w.rec(alice, protocol.Refs{Target: p.ID()}, &protocol.React{Reaction: protocol.ReactApplied}))
	ingest(t, s, w.join(alice))
	ingest(t, s, p)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if memory, disk := asideOf(t, s, w.id); memory != 0 || disk != 0 {
		t.Errorf("after the join and the target: %d set aside in memory, %d on disk; want 0", memory, disk)
	}
	s.Close()

	for seed := range uint64(2) {
		for _, bound := range []int{5, 1 << 20} {
			rng := rand.New(rand.NewPCG(seed, 7))
			community, records := prototest.RandomCommunity(t, rng, 1500)
			rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
			s, err := Open(t.TempDir(), Options{MaxAside: bound, FlushDelay: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			for round := range 2 { // the second brings every record again: refused ones may be taken now
				for rest := records; len(rest) > 0; {
					n := min(len(rest), 1+rng.IntN(50))
					ingest(t, s, rest[:n]...)
					rest = rest[n:]
					if rng.IntN(4) != 0 {
						continue
					}
					if err := s.Flush(ctx); err != nil {
						t.Fatal(err)
					}
					// (It may pass the bound: records held already are set
					// aside when their author is removed.)
					if memory, disk := asideOf(t, s, community); memory != disk {
						t.Fatalf("seed %d, bound %d, round %d: %d set aside in memory, %d on disk", seed, bound, round, memory, disk)
					}
				}
			}
			checkClean(t, s)
			s.Close()
		}
	}
}

// TestAsideByAuthor: what a member wrote after a moderator removed them
// is kept aside, so the threads no longer list it; AsideByAuthor lists it
// (and not what they wrote before the removal, still shown, nor what a
// moderator deleted since), page by page.
func TestAsideByAuthor(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	join := w.join(alice)
	before := w.post(alice, "Before the removal")
	removal := w.rec(founder, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(alice), Action: protocol.RoleRemove, Reason: "spam"})
	var after []*protocol.Record
	for i := range 3 {
		after = append(after, w.post(alice, fmt.Sprintf("After the removal %d", i)))
	}
	deleted := w.rec(founder, protocol.Refs{Target: after[2].ID()}, &protocol.Tombstone{Reason: "spam"})
	ingest(t, s, g, join, before, removal)
	out := ingest(t, s, append(after, deleted)...)
	for i, o := range out[:3] {
		if o.Status != protocol.StatusRemoved {
			t.Fatalf("post %d after the removal: %s", i, o.Status)
		}
	}
	var got []protocol.ID
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := s.AsideByAuthor(ctx, w.id, protocol.PublicKeyOf(alice), cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.Record.ID())
		}
		if cursor = page.Next; cursor == "" || pages > 5 {
			break
		}
	}
	want := []protocol.ID{after[0].ID(), after[1].ID()}
	if !slices.Equal(got, want) {
		t.Errorf("aside by alice: %v, want the two posts after the removal not deleted %v", got, want)
	}
	if page, err := s.AsideByAuthor(ctx, w.id, protocol.PublicKeyOf(bob), "", 10); err != nil || len(page.Items) != 0 {
		t.Errorf("aside by bob, who wrote nothing: %d, %v", len(page.Items), err)
	}
}
