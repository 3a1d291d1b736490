// Package prototest makes valid records for tests of the packages built on
// protocol: deterministic keys, and random but valid communities that
// exercise every rule.
package prototest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
)

// Now is the clock tests use: records are created around it.
var Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Key returns a deterministic Ed25519 key for a name.
func Key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("kith test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Sign signs a record, failing the test on error. A genesis record gets
// the zero community, whatever is passed.
func Sign(t testing.TB, key ed25519.PrivateKey, community protocol.ID, created time.Time, refs protocol.Refs, body protocol.Body) *protocol.Record {
	t.Helper()
	if body.Kind() == protocol.KindCommunity {
		community = protocol.ID{}
	}
	r, err := protocol.Sign(key, community, created.UnixMilli(), refs, body)
	if err != nil {
		t.Fatalf("sign %s: %v", body.Kind(), err)
	}
	return r
}

// RandomCommunity makes n random but valid records of one invite-only
// community: invites (some by non-moderators, some expiring), joins with
// and without invites, role grants, revokes, admissions and removals by
// random authors, posts, replies, edits, accepts, concurrent note edits,
// reactions, events, RSVPs, profiles, devices, tombstones and hides. Clocks
// are skewed: records may be created out of order and at equal times.
func RandomCommunity(t testing.TB, rng *rand.Rand, n int) (protocol.ID, []*protocol.Record) {
	t.Helper()
	keys := make([]ed25519.PrivateKey, 24)
	keyOf := make(map[protocol.PublicKey]ed25519.PrivateKey)
	for i := range keys {
		keys[i] = Key(fmt.Sprintf("member %d", i))
		keyOf[protocol.PublicKeyOf(keys[i])] = keys[i]
	}
	byID := make(map[protocol.ID]*protocol.Record)
	clock := Now.Add(-time.Hour)
	pick := func(rs []*protocol.Record) *protocol.Record { return rs[rng.IntN(len(rs))] }
	genesis := Sign(t, keys[0], protocol.ID{}, clock, protocol.Refs{}, &protocol.Community{Name: "Random", Policy: protocol.JoinInvite})
	community := genesis.ID()
	records := []*protocol.Record{genesis}
	type invite struct {
		rec *protocol.Record
		key ed25519.PrivateKey
	}
	var invites []invite
	var posts, replies, notes, events, all []*protocol.Record
	noteRevs := make(map[protocol.ID][]*protocol.Record)
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
		var refs protocol.Refs
		var body protocol.Body
		switch op := rng.IntN(20); {
		case op == 0:
			invKey := Key(fmt.Sprintf("invite %d", len(records)))
			body = &protocol.Invite{Key: protocol.PublicKeyOf(invKey), Expires: clock.Add(time.Duration(1+rng.IntN(600)) * time.Second).UnixMilli(), MaxUses: uint32(1 + rng.IntN(3))}
			r := Sign(t, key, community, clock, refs, body)
			records = append(records, r)
			invites = append(invites, invite{r, invKey})
			continue
		case op <= 2:
			if len(invites) == 0 || rng.IntN(5) == 0 {
				body = &protocol.Join{}
				break
			}
			inv := invites[rng.IntN(len(invites))]
			refs.Target = inv.rec.ID()
			body = &protocol.Join{InviteKey: protocol.PublicKeyOf(inv.key), InviteProof: protocol.InviteProof(inv.key, community, protocol.PublicKeyOf(key))}
		case op == 3:
			if rng.IntN(2) == 0 {
				key = keys[0] // the founder's roles always take effect
			}
			body = &protocol.Role{Member: protocol.PublicKeyOf(keys[rng.IntN(len(keys))]), Action: protocol.RoleAction(1 + rng.IntN(4))}
		case op <= 6:
			body = &protocol.Post{Type: protocol.PostType(1 + rng.IntN(3)), Title: fmt.Sprintf("post %d", len(records)), Tags: []string{"t" + fmt.Sprint(rng.IntN(5))}}
			if len(posts) > 0 && rng.IntN(6) == 0 {
				orig := pick(posts)
				refs.Target = orig.ID() // an edit (effective only by the author)
				if orig.Header.Target.IsZero() && rng.IntN(3) != 0 {
					key = keyOf[orig.Header.Author]
				}
			}
		case op <= 9 && len(posts) > 0:
			refs.Root = pick(posts).ID()
			body = &protocol.Reply{Text: fmt.Sprintf("reply %d", len(records))}
		case op == 10 && len(replies) > 0:
			reply := pick(replies)
			refs.Root, refs.Target = reply.Header.Root, reply.ID()
			body = &protocol.Accept{}
			if asker := byID[refs.Root]; asker != nil && rng.IntN(4) != 0 {
				key = keyOf[asker.Header.Author]
			}
		case op <= 12:
			body = &protocol.Note{Title: "note", Text: fmt.Sprintf("revision %d", len(records))}
			if len(notes) > 0 && rng.IntN(4) != 0 {
				root := pick(notes)
				revs := noteRevs[root.ID()]
				// Follow one or two recent revisions: concurrent edits
				// and merges both happen.
				refs.Root = root.ID()
				refs.Parents = []protocol.ID{revs[len(revs)-1-rng.IntN(min(3, len(revs)))].ID()}
				if other := pick(revs).ID(); rng.IntN(3) == 0 && other != refs.Parents[0] {
					refs.Parents = append(refs.Parents, other)
				}
			}
		case op == 13 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &protocol.React{Reaction: protocol.Reaction(1 + rng.IntN(3))}
		case op == 14:
			body = &protocol.Event{Title: "meet", Start: clock.Add(time.Hour).UnixMilli()}
		case op == 15 && len(events) > 0:
			refs.Target = pick(events).ID()
			body = &protocol.RSVP{Answer: protocol.Answer(1 + rng.IntN(3))}
		case op == 16:
			body = &protocol.Profile{Name: fmt.Sprintf("member %d", rng.IntN(100))}
		case op == 17 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &protocol.Tombstone{}
		case op == 18 && len(all) > 0:
			refs.Target = pick(all).ID()
			body = &protocol.Hide{}
		default:
			body = &protocol.Device{PeerID: []byte{byte(rng.IntN(256)), 1, 2}}
		}
		r := Sign(t, key, community, clock, refs, body)
		records = append(records, r)
		byID[r.ID()] = r
		switch r.Header.Kind {
		case protocol.KindPost:
			posts = append(posts, r)
			all = append(all, r)
		case protocol.KindReply:
			replies = append(replies, r)
			all = append(all, r)
		case protocol.KindNote:
			root := r.Header.Root
			if root.IsZero() {
				root = r.ID()
				notes = append(notes, r)
			}
			noteRevs[root] = append(noteRevs[root], r)
			all = append(all, r)
		case protocol.KindEvent:
			events = append(events, r)
		}
	}
	return community, records
}
