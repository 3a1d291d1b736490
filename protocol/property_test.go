package protocol_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestStateIndependentOfArrivalOrder is the property the whole network
// rests on: any order of arrival, with duplicates and purged copies, gives
// the identical community state.
func TestStateIndependentOfArrivalOrder(t *testing.T) {
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 42))
		community, records := prototest.RandomCommunity(t, rng, 1500)
		want := protocol.Evaluate(community, records)
		checkNonTrivial(t, want)
		for trial := range 10 {
			shuffled := append([]*protocol.Record(nil), records...)
			// Some trials add duplicates and purged copies of records.
			for i := 0; trial%2 == 1 && i < 100; i++ {
				r := records[rng.IntN(len(records))]
				if rng.IntN(2) == 0 {
					r = r.Without()
				}
				shuffled = append(shuffled, r)
			}
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := protocol.Evaluate(community, shuffled)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d trial %d: state differs for another arrival order", seed, trial)
			}
		}
		// Arrival in pieces: the state of the whole set does not depend on
		// which prefix arrived first.
		rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
		half := protocol.Evaluate(community, records[:len(records)/2])
		if reflect.DeepEqual(half, want) {
			t.Fatalf("seed %d: half the records gave the full state; the generator is too weak", seed)
		}
		if got := protocol.Evaluate(community, records); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: state differs after arriving in two halves", seed)
		}
	}
}

// checkNonTrivial makes sure the random community exercised every rule,
// so the property above is not vacuous.
func checkNonTrivial(t *testing.T, s *protocol.State) {
	t.Helper()
	count := make(map[protocol.Status]int)
	for _, st := range s.Status {
		count[st]++
	}
	standings := make(map[protocol.Standing]int)
	for _, m := range s.Membership.Members() {
		standings[m.Standing]++
	}
	concurrent, accepted, edited := 0, 0, len(s.Current)
	for _, n := range s.Notes {
		if len(n.Heads) > 1 {
			concurrent++
		}
	}
	for _, th := range s.Threads {
		if !th.Accepted.IsZero() {
			accepted++
		}
	}
	t.Logf("statuses %v, standings %v, %d notes (%d with concurrent heads), %d threads (%d answered), %d edited, %d tombstoned, %d hidden, %d invites in force",
		count, standings, len(s.Notes), concurrent, len(s.Threads), accepted, edited, len(s.Tombstoned), len(s.Hidden), len(s.Membership.Invites))
	checks := map[string]bool{
		"accepted records":    count[protocol.StatusAccepted] > 0,
		"pending records":     count[protocol.StatusPending] > 0,
		"removed records":     count[protocol.StatusRemoved] > 0,
		"moderators":          standings[protocol.StandingModerator] > 0,
		"removed members":     standings[protocol.StandingRemoved] > 0,
		"concurrent heads":    concurrent > 0,
		"accepted answers":    accepted > 0,
		"edits":               edited > 0,
		"tombstones":          len(s.Tombstoned) > 0,
		"hides":               len(s.Hidden) > 0,
		"invites in force":    len(s.Membership.Invites) > 0,
		"reactions":           len(s.Reacts) > 0,
		"profiles":            len(s.Profiles) > 0,
		"events with answers": len(s.Events) > 0,
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("random community has no %s", what)
		}
	}
}

// TestObjectsComposeToState checks the claim that lets a store maintain
// views incrementally: evaluating each object's records alone, with the
// community's membership, and merging the results gives exactly the state
// of the whole set.
func TestObjectsComposeToState(t *testing.T) {
	for seed := range uint64(3) {
		community, records := prototest.RandomCommunity(t, rand.New(rand.NewPCG(seed, 7)), 1500)
		want := protocol.Evaluate(community, records)
		byID := make(map[protocol.ID]*protocol.Record)
		for _, r := range records {
			byID[r.ID()] = r
		}
		lookup := func(id protocol.ID) *protocol.Record { return byID[id] }
		groups := make(map[protocol.Object][]*protocol.Record)
		var controls []*protocol.Record
		for _, r := range records {
			obj, waiting := protocol.ObjectOf(r, lookup)
			if obj.Type == protocol.ObjectNone {
				if byID[waiting] != nil {
					t.Fatalf("record %s waits for %s, which is present", r.ID(), waiting)
				}
				obj = protocol.Object{ID: r.ID()} // alone: it can only have a status
			}
			if obj.Type == protocol.ObjectControl {
				controls = append(controls, r)
			}
			groups[obj] = append(groups[obj], r)
		}
		m := protocol.ResolveMembership(community, controls)
		merged := protocol.EvaluateWith(m, nil)
		for obj, rs := range groups {
			part := protocol.EvaluateWith(m, rs)
			mergeInto(t, merged, part, obj)
		}
		if !reflect.DeepEqual(merged, want) {
			t.Fatalf("seed %d: objects evaluated apart differ from the whole", seed)
		}
		t.Logf("seed %d: %d objects", seed, len(groups))
	}
}

func mergeInto(t *testing.T, dst, src *protocol.State, obj protocol.Object) {
	t.Helper()
	mergeMap(t, dst.Status, src.Status, obj)
	mergeMap(t, dst.Tombstoned, src.Tombstoned, obj)
	mergeMap(t, dst.Hidden, src.Hidden, obj)
	mergeMap(t, dst.Threads, src.Threads, obj)
	mergeMap(t, dst.Notes, src.Notes, obj)
	mergeMap(t, dst.Events, src.Events, obj)
	mergeMap(t, dst.Edits, src.Edits, obj)
	mergeMap(t, dst.Current, src.Current, obj)
	mergeMap(t, dst.Reacts, src.Reacts, obj)
	mergeMap(t, dst.Profiles, src.Profiles, obj)
	mergeMap(t, dst.Devices, src.Devices, obj)
}

func mergeMap[K comparable, V any](t *testing.T, dst, src map[K]V, obj protocol.Object) {
	t.Helper()
	for k, v := range src {
		if _, dup := dst[k]; dup {
			t.Fatalf("object %s %s: key %v also produced by another object", obj.Type, obj.ID, k)
		}
		dst[k] = v
	}
}

// BenchmarkEvaluate100k computes the state of a community of 100,000
// random records (one op = the whole set).
func BenchmarkEvaluate100k(b *testing.B) {
	community, records := prototest.RandomCommunity(b, rand.New(rand.NewPCG(1, 2)), 100_000)
	b.ResetTimer()
	for b.Loop() {
		protocol.Evaluate(community, records)
	}
	b.ReportMetric(float64(len(records)), "records")
}
