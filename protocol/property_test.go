package protocol

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomCommunity makes n random but valid records of one invite-only
// community: invites (some by non-moderators, some expiring), joins with
// and without invites, role grants, revokes, admissions and removals by
// random authors, posts, replies, edits, accepts, concurrent note edits,
// reactions, events, RSVPs, profiles, devices, tombstones and hides. Clocks
// are skewed: records may be created out of order and at equal times.
func randomCommunity(t testing.TB, rng *rand.Rand, n int) (ID, []*Record) {
	t.Helper()
	keys := make([]ed25519.PrivateKey, 24)
	keyOf := make(map[PublicKey]ed25519.PrivateKey)
	for i := range keys {
		keys[i] = testKey(fmt.Sprintf("member %d", i))
		keyOf[PublicKeyOf(keys[i])] = keys[i]
	}
	byID := make(map[ID]*Record)
	clock := testNow.Add(-time.Hour)
	pick := func(rs []*Record) *Record { return rs[rng.IntN(len(rs))] }
	genesis := sign(t, keys[0], ID{}, clock, Refs{}, &Community{Name: "Random", Policy: JoinInvite})
	community := genesis.ID()
	records := []*Record{genesis}
	type invite struct {
		rec *Record
		key ed25519.PrivateKey
	}
	var invites []invite
	var posts, replies, notes, events, all []*Record
	noteRevs := make(map[ID][]*Record)
	for len(records) < n {
		// Most records move the clock forward; some reuse a time or lag.
		switch rng.IntN(10) {
		case 0:
		case 1:
			clock = clock.Add(-time.Duration(rng.IntN(5000)) * time.Millisecond)
		default:
			clock = clock.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		}
		key := keys[rng.IntN(len(keys))]
		if rng.IntN(4) == 0 {
			key = keys[rng.IntN(4)] // the founder and early members write more
		}
		var refs Refs
		var body Body
		switch op := rng.IntN(20); {
		case op == 0:
			invKey := testKey(fmt.Sprintf("invite %d", len(records)))
			body = &Invite{Key: PublicKeyOf(invKey), Expires: clock.Add(time.Duration(1+rng.IntN(600)) * time.Second).UnixMilli(), MaxUses: uint32(1 + rng.IntN(3))}
			r := sign(t, key, community, clock, refs, body)
			records = append(records, r)
			invites = append(invites, invite{r, invKey})
			continue
		case op <= 2:
			if len(invites) == 0 || rng.IntN(5) == 0 {
				body = &Join{}
				break
			}
			inv := invites[rng.IntN(len(invites))]
			refs.Target = inv.rec.ID()
			body = &Join{InviteKey: PublicKeyOf(inv.key), InviteProof: InviteProof(inv.key, community, PublicKeyOf(key))}
		case op == 3:
			if rng.IntN(2) == 0 {
				key = keys[0] // the founder's roles always take effect
			}
			body = &Role{Member: PublicKeyOf(keys[rng.IntN(len(keys))]), Action: RoleAction(1 + rng.IntN(4))}
		case op <= 6:
			body = &Post{Type: PostType(1 + rng.IntN(3)), Title: fmt.Sprintf("post %d", len(records)), Tags: []string{"t" + fmt.Sprint(rng.IntN(5))}}
			if len(posts) > 0 && rng.IntN(6) == 0 {
				orig := pick(posts)
				refs.Target = orig.ID() // an edit (effective only by the author)
				if orig.Header.Target.IsZero() && rng.IntN(3) != 0 {
					key = keyOf[orig.Header.Author]
				}
			}
		case op <= 9 && len(posts) > 0:
			refs.Root = pick(posts).ID()
			body = &Reply{Text: fmt.Sprintf("reply %d", len(records))}
		case op == 10 && len(replies) > 0:
			reply := pick(replies)
			refs.Root, refs.Target = reply.Header.Root, reply.ID()
			body = &Accept{}
			if asker := byID[refs.Root]; asker != nil && rng.IntN(4) != 0 {
				key = keyOf[asker.Header.Author]
			}
		case op <= 12:
			body = &Note{Title: "note", Text: fmt.Sprintf("revision %d", len(records))}
			if len(notes) > 0 && rng.IntN(4) != 0 {
				root := pick(notes)
				revs := noteRevs[root.ID()]
				// Follow one or two recent revisions: concurrent edits
				// and merges both happen.
				refs.Root = root.ID()
				refs.Parents = []ID{revs[len(revs)-1-rng.IntN(min(3, len(revs)))].ID()}
				if other := pick(revs).ID(); rng.IntN(3) == 0 && other != refs.Parents[0] {
					refs.Parents = append(refs.Parents, other)
				}
			}
		case op == 13 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &React{Reaction: Reaction(1 + rng.IntN(3))}
		case op == 14:
			body = &Event{Title: "meet", Start: clock.Add(time.Hour).UnixMilli()}
		case op == 15 && len(events) > 0:
			refs.Target = pick(events).ID()
			body = &RSVP{Answer: Answer(1 + rng.IntN(3))}
		case op == 16:
			body = &Profile{Name: fmt.Sprintf("member %d", rng.IntN(100))}
		case op == 17 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &Tombstone{}
		case op == 18 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &Hide{}
		default:
			body = &Device{PeerID: []byte{byte(rng.IntN(256)), 1, 2}}
		}
		r := sign(t, key, community, clock, refs, body)
		records = append(records, r)
		byID[r.ID()] = r
		switch r.Header.Kind {
		case KindPost:
			posts = append(posts, r)
			all = append(all, r)
		case KindReply:
			replies = append(replies, r)
			all = append(all, r)
		case KindNote:
			root := r.Header.Root
			if root.IsZero() {
				root = r.ID()
				notes = append(notes, r)
			}
			noteRevs[root] = append(noteRevs[root], r)
			all = append(all, r)
		case KindEvent:
			events = append(events, r)
		}
	}
	return community, records
}

// TestStateIndependentOfArrivalOrder is the property the whole network
// rests on: any order of arrival, with duplicates and purged copies, gives
// the identical community state.
func TestStateIndependentOfArrivalOrder(t *testing.T) {
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 42))
		community, records := randomCommunity(t, rng, 1500)
		want := Evaluate(community, records)
		checkNonTrivial(t, want)
		for trial := range 10 {
			shuffled := append([]*Record(nil), records...)
			// Some trials add duplicates and purged copies of records.
			for i := 0; trial%2 == 1 && i < 100; i++ {
				r := records[rng.IntN(len(records))]
				if rng.IntN(2) == 0 {
					r = r.Without()
				}
				shuffled = append(shuffled, r)
			}
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := Evaluate(community, shuffled)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d trial %d: state differs for another arrival order", seed, trial)
			}
		}
		// Arrival in pieces: the state of the whole set does not depend on
		// which prefix arrived first.
		rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
		half := Evaluate(community, records[:len(records)/2])
		if reflect.DeepEqual(half, want) {
			t.Fatalf("seed %d: half the records gave the full state; the generator is too weak", seed)
		}
		if got := Evaluate(community, records); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: state differs after arriving in two halves", seed)
		}
	}
}

// checkNonTrivial makes sure the random community exercised every rule,
// so the property above is not vacuous.
func checkNonTrivial(t *testing.T, s *State) {
	t.Helper()
	count := make(map[Status]int)
	for _, st := range s.Status {
		count[st]++
	}
	standings := make(map[Standing]int)
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
		"accepted records":    count[StatusAccepted] > 0,
		"pending records":     count[StatusPending] > 0,
		"removed records":     count[StatusRemoved] > 0,
		"moderators":          standings[StandingModerator] > 0,
		"removed members":     standings[StandingRemoved] > 0,
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
		community, records := randomCommunity(t, rand.New(rand.NewPCG(seed, 7)), 1500)
		want := Evaluate(community, records)
		byID := make(map[ID]*Record)
		for _, r := range records {
			byID[r.ID()] = r
		}
		lookup := func(id ID) *Record { return byID[id] }
		groups := make(map[Object][]*Record)
		var controls []*Record
		for _, r := range records {
			obj, waiting := ObjectOf(r, lookup)
			if obj.Type == ObjectNone {
				if byID[waiting] != nil {
					t.Fatalf("record %s waits for %s, which is present", r.ID(), waiting)
				}
				obj = Object{ID: r.ID()} // alone: it can only have a status
			}
			if obj.Type == ObjectControl {
				controls = append(controls, r)
			}
			groups[obj] = append(groups[obj], r)
		}
		m := ResolveMembership(community, controls)
		merged := EvaluateWith(m, nil)
		for obj, rs := range groups {
			part := EvaluateWith(m, rs)
			mergeInto(t, merged, part, obj)
		}
		if !reflect.DeepEqual(merged, want) {
			t.Fatalf("seed %d: objects evaluated apart differ from the whole", seed)
		}
		t.Logf("seed %d: %d objects", seed, len(groups))
	}
}

func mergeInto(t *testing.T, dst, src *State, obj Object) {
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

func mergeMap[K comparable, V any](t *testing.T, dst, src map[K]V, obj Object) {
	t.Helper()
	for k, v := range src {
		if _, dup := dst[k]; dup {
			t.Fatalf("object %s %s: key %v also produced by another object", obj.Type, obj.ID, k)
		}
		dst[k] = v
	}
}
