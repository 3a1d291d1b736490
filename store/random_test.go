package store

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestRandomCommunityMatchesRules ingests a random community (every kind
// of record, pending authors, removals, deletions, concurrent note edits)
// in random batches and random order, and checks that what the store
// shows is exactly what protocol.Evaluate says of the whole set.
func TestRandomCommunityMatchesRules(t *testing.T) {
	t.Run("batches", func(t *testing.T) {
		randomCommunityMatchesRules(t, 200, 3, func(rng *rand.Rand, records []*protocol.Record) {
			rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
		})
	})
	// Small batches in nearly the order records were written, each
	// followed by the views' refresh, as a node that is online sees them:
	// most replies then find their thread's view current and are applied
	// to it alone (appendReply), and some come after records naming them.
	t.Run("live", func(t *testing.T) {
		randomCommunityMatchesRules(t, 5, 1, func(rng *rand.Rand, records []*protocol.Record) {
			for i := range records {
				if j := i + rng.IntN(30); j < len(records) && rng.IntN(4) == 0 {
					records[i], records[j] = records[j], records[i]
				}
			}
		})
	})
}

// randomCommunityMatchesRules ingests a random community in the order
// reorder leaves it, in batches of 1 to maxBatch records, flushing the
// views after one batch in flushEvery on average.
func randomCommunityMatchesRules(t *testing.T, maxBatch, flushEvery int, reorder func(*rand.Rand, []*protocol.Record)) {
	for seed := range uint64(2) {
		rng := rand.New(rand.NewPCG(seed, 99))
		community, records := prototest.RandomCommunity(t, rng, 1500)
		want := protocol.Evaluate(community, records)
		reorder(rng, records)
		// Shuffled, a community's records can hold more aside at once
		// than the default bound allows: this test is about the rules.
		s, err := Open(t.TempDir(), Options{MaxAside: len(records)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		for rest := records; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(maxBatch))
			ingest(t, s, rest[:n]...)
			if rng.IntN(flushEvery) == 0 {
				if err := s.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			rest = rest[n:]
		}
		checkClean(t, s)
		compareWithRules(t, s, community, records, want)
	}
}

func compareWithRules(t *testing.T, s *Store, community protocol.ID, records []*protocol.Record, want *protocol.State) {
	t.Helper()
	ctx := context.Background()
	accepted := 0
	for _, r := range records {
		e, err := s.Get(ctx, r.ID())
		if err != nil {
			t.Fatal(err)
		}
		_, deleted := want.Tombstoned[r.ID()]
		_, hidden := want.Hidden[r.ID()]
		if e.Meta.Status != want.Status[r.ID()] || e.Meta.Deleted != deleted || e.Meta.Hidden != hidden {
			t.Fatalf("%s %s: store says %+v, rules say %s deleted=%v hidden=%v",
				r.Header.Kind, r.ID(), e.Meta, want.Status[r.ID()], deleted, hidden)
		}
		if e.Record.Purged() != deleted {
			t.Fatalf("%s %s: purged %v, deleted %v", r.Header.Kind, r.ID(), e.Record.Purged(), deleted)
		}
		if e.Meta.Status == protocol.StatusAccepted {
			accepted++
		}
	}
	if _, n := s.Fingerprint(community, protocol.Position{}, protocol.MaxPosition); int(n) != accepted {
		t.Fatalf("reconciliation set: %d items, %d accepted records", n, accepted)
	}
	threads, err := s.Threads(ctx, community, Newest, ThreadFilter{}, "", MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads.Items) != len(want.Threads) {
		t.Fatalf("%d threads listed, rules have %d", len(threads.Items), len(want.Threads))
	}
	byID := make(map[protocol.ID]*protocol.Record, len(records))
	for _, r := range records {
		byID[r.ID()] = r
	}
	for _, v := range threads.Items {
		th := want.Threads[v.Post]
		if th == nil || v.Replies != len(th.Replies) || v.Accepted != th.Accepted || v.Reactions != want.Reacts[v.Post] {
			t.Fatalf("thread %s: store %+v, rules %+v", v.Post, v, th)
		}
		// Every field, as a refresh from the whole set would make it
		// (which records are unresolved depends on the object's records
		// alone, so it is left out).
		built, _ := buildView(community, protocol.Object{Type: protocol.ObjectThread, ID: v.Post}, want, byID)
		w := *built.(*ThreadView)
		w.Unresolved, w.Tracked = nil, false
		v.Unresolved, v.Tracked = nil, false
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("thread %s:\nstore %+v\nrules %+v", v.Post, v, w)
		}
	}
	notes, err := s.Notes(ctx, community, "", MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes.Items) != len(want.Notes) {
		t.Fatalf("%d notes listed, rules have %d", len(notes.Items), len(want.Notes))
	}
	for _, v := range notes.Items {
		n := want.Notes[v.Root]
		if n == nil || len(v.Heads) != len(n.Heads) || v.Current != n.Current() || v.Revisions != len(n.Revisions) {
			t.Fatalf("note %s: store %+v, rules %+v", v.Root, v, n)
		}
	}
	members, err := s.Members(ctx, community, "", MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	if got, wantN := len(members.Items), len(want.Membership.Members()); got != wantN {
		t.Fatalf("%d members, rules have %d", got, wantN)
	}
}
