package store

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestRandomCommunityMatchesRules ingests a random community (every kind
// of record, pending authors, removals, deletions, concurrent note edits)
// in random batches and random order, and checks that what the store
// shows is exactly what protocol.Evaluate says of the whole set.
func TestRandomCommunityMatchesRules(t *testing.T) {
	for seed := range uint64(2) {
		rng := rand.New(rand.NewPCG(seed, 99))
		community, records := prototest.RandomCommunity(t, rng, 1500)
		want := protocol.Evaluate(community, records)
		rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
		// Shuffled, a community's records can hold more aside at once
		// than the default bound allows: this test is about the rules.
		s, err := Open(t.TempDir(), Options{MaxAside: len(records)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		for rest := records; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(200))
			ingest(t, s, rest[:n]...)
			if rng.IntN(3) == 0 {
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
	for _, v := range threads.Items {
		th := want.Threads[v.Post]
		if th == nil || v.Replies != len(th.Replies) || v.Accepted != th.Accepted || v.Reactions != want.Reacts[v.Post] {
			t.Fatalf("thread %s: store %+v, rules %+v", v.Post, v, th)
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
