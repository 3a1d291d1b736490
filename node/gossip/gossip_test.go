package gossip

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	p2phost "github.com/libp2p/go-libp2p/core/host"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// line makes three nodes connected A–B–C (A and C not connected) that all
// join community, and waits until each has its neighbours in its mesh:
// a node forwards others' records to its mesh peers only.
func line(t *testing.T, community protocol.ID, opts Options) (a, b, c *node) {
	a, b, c = newNode(t, Options{}), newNode(t, opts), newNode(t, Options{})
	connect(t, a.h, b.h)
	connect(t, b.h, c.h)
	for _, n := range []*node{a, b, c} {
		n.join(t, community)
	}
	waitMesh(t, a, b)
	waitMesh(t, b, a, c)
	waitMesh(t, c, b)
	return a, b, c
}

// TestFloodPublishBeforeMesh: a record published as soon as a peer's
// subscription is known reaches it, though no mesh has formed (the first
// heartbeat, which would graft it, is held back a minute here).
func TestFloodPublishBeforeMesh(t *testing.T) {
	params := pubsub.DefaultGossipSubParams()
	params.HeartbeatInitialDelay = time.Minute
	opts := Options{pubsubOptions: []pubsub.Option{pubsub.WithGossipSubParams(params)}}
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	id := genesis.ID()
	a, b := newNode(t, opts), newNode(t, opts)
	a.join(t, id) // joined before connecting: nobody to graft yet
	b.join(t, id)
	connect(t, a.h, b.h)
	waitPeers(t, a, id, b)

	founderJoin, hello := join(t, founder, id), post(t, founder, id, "hello")
	for _, r := range []*protocol.Record{genesis, founderJoin, hello} {
		a.publish(t, r)
	}
	eventually(t, "post on B", func() bool { return b.store.has(hello.ID()) })
	if n := a.mesh.graftCount() + b.mesh.graftCount(); n != 0 {
		t.Errorf("a mesh formed (%d grafts): flood publishing was not tested", n)
	}
}

// TestLine: records published on one end of a line reach the other end,
// both ways.
func TestLine(t *testing.T) {
	founder, carol := prototest.Key("founder"), prototest.Key("carol")
	genesis := community(t, founder)
	id := genesis.ID()
	a, b, c := line(t, id, Options{})

	founderJoin, hello := join(t, founder, id), post(t, founder, id, "hello")
	for _, r := range []*protocol.Record{genesis, founderJoin, hello} {
		a.publish(t, r)
	}
	eventually(t, "A's post on B and C", func() bool { return b.store.has(hello.ID()) && c.store.has(hello.ID()) })
	for _, n := range []*node{b, c} {
		if !n.store.has(genesis.ID()) || !n.store.has(founderJoin.ID()) {
			t.Error("genesis or join missing")
		}
	}

	carolJoin, reply := join(t, carol, id), post(t, carol, id, "from C")
	c.publish(t, carolJoin)
	c.publish(t, reply)
	eventually(t, "C's post on A", func() bool { return a.store.has(reply.ID()) && a.store.has(carolJoin.ID()) })
}

// TestInvalidRecordsPenalised: a peer running plain pubsub (no validator)
// floods records with broken signatures. Honest nodes store none of them,
// and its score falls below zero; valid records keep flowing.
func TestInvalidRecordsPenalised(t *testing.T) {
	founder, mallory := prototest.Key("founder"), prototest.Key("mallory")
	genesis := community(t, founder)
	id := genesis.ID()

	a := newNode(t, Options{})
	b := newNode(t, Options{})
	connect(t, a.h, b.h)
	a.join(t, id)
	b.join(t, id)

	raw, rawTopic := rawPeer(t, id, a, b)
	ctx := context.Background()
	waitPeers(t, a, id, b)

	a.publish(t, genesis)
	var bad []protocol.ID
	for i := range 50 {
		r := post(t, mallory, id, "forged "+string(rune('a'+i%26))+string(rune('a'+i/26)))
		data := r.Encode()
		data[len(data)-1] ^= 0xff // the signature is the envelope's last item
		bad = append(bad, r.ID())
		if err := rawTopic.Publish(ctx, data); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "raw peer's score below zero on A", func() bool {
		s, ok := a.g.Score(raw.ID())
		if ok && s < 0 {
			t.Logf("raw peer's score on A: %.0f", s)
		}
		return ok && s < 0
	})

	founderJoin, later := join(t, founder, id), post(t, founder, id, "still flowing")
	a.publish(t, founderJoin)
	a.publish(t, later)
	eventually(t, "valid post on B", func() bool { return b.store.has(later.ID()) })
	for _, n := range []*node{a, b} {
		for _, id := range bad {
			if n.store.has(id) {
				t.Fatalf("forged record %s stored", id)
			}
		}
	}
	if s, _ := a.g.Score(b.h.ID()); s < 0 {
		t.Errorf("honest B's score on A is %.1f", s)
	}
}

// TestPendingNotForwarded: a post by an author B does not know as a member
// is stored by B (pending) but not forwarded to C.
func TestPendingNotForwarded(t *testing.T) {
	founder, bob := prototest.Key("founder"), prototest.Key("bob")
	genesis := community(t, founder)
	id := genesis.ID()
	var mu sync.Mutex
	var onRecord []protocol.Status
	a, b, c := line(t, id, Options{OnRecord: func(_ *protocol.Record, s protocol.Status) {
		mu.Lock()
		defer mu.Unlock()
		onRecord = append(onRecord, s)
	}})
	founderJoin := join(t, founder, id)
	a.publish(t, genesis)
	a.publish(t, founderJoin)
	eventually(t, "membership on C", func() bool { return c.store.has(founderJoin.ID()) })

	// A learned bob's join some other way (sync, say); B and C have not.
	if _, _, err := a.store.Ingest(context.Background(), join(t, bob, id)); err != nil {
		t.Fatal(err)
	}
	pending, after := post(t, bob, id, "too early"), post(t, founder, id, "after")
	a.publish(t, pending)
	a.publish(t, after)
	// B handles messages in order and C receives B's forwards in order:
	// once C has the later post, it would have had the pending one.
	eventually(t, "later post on C", func() bool { return c.store.has(after.ID()) })
	if !b.store.has(pending.ID()) {
		t.Error("B did not keep the pending post")
	}
	if c.store.has(pending.ID()) {
		t.Error("B forwarded a pending post")
	}
	mu.Lock()
	defer mu.Unlock()
	want := []protocol.Status{protocol.StatusAccepted, protocol.StatusAccepted, protocol.StatusPending, protocol.StatusAccepted}
	if !slices.Equal(onRecord, want) {
		t.Errorf("B's OnRecord saw %v, want %v", onRecord, want)
	}

	// Published locally, a record the node itself holds as pending is not
	// sent at all.
	stranger := post(t, prototest.Key("stranger"), id, "who am I")
	if _, _, err := c.store.Ingest(context.Background(), stranger); err != nil {
		t.Fatal(err)
	}
	if err := c.g.Publish(context.Background(), stranger); !errors.Is(err, ErrNotForwarded) {
		t.Errorf("publish pending record: %v, want ErrNotForwarded", err)
	}
}

// TestMessageID: the message id of an encoded record is its record id,
// with or without its body; other data gets the hash of all of it.
func TestMessageID(t *testing.T) {
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	records := []*protocol.Record{genesis, join(t, founder, genesis.ID()), post(t, founder, genesis.ID(), "hi")}
	records = append(records, records[2].Without())
	for _, r := range records {
		id := r.ID()
		if got := messageID(&pb.Message{Data: r.Encode()}); got != string(id[:]) {
			t.Errorf("%s (purged %v): message id %x, want %s", r.Header.Kind, r.Purged(), got, id)
		}
	}
	for _, data := range [][]byte{nil, []byte("not cbor"), append(genesis.Encode(), 0)} {
		want := sha256.Sum256(data)
		if got := messageID(&pb.Message{Data: data}); got != string(want[:]) {
			t.Errorf("message id of %q: %x, want %x", data, got, want)
		}
	}
}

// rawPeer starts a peer that speaks Kith's gossipsub dialect but validates
// nothing, in a community's topic and connected to nodes.
func rawPeer(t *testing.T, community protocol.ID, nodes ...*node) (p2phost.Host, *pubsub.Topic) {
	t.Helper()
	raw := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rawPS, err := pubsub.NewGossipSub(ctx, raw, append(Dialect(), pubsub.WithFloodPublish(true))...)
	if err != nil {
		t.Fatal(err)
	}
	topic, err := rawPS.Join(TopicName(community))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topic.Relay(); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		connect(t, raw, n.h)
	}
	eventually(t, "raw peer sees the nodes in the topic", func() bool {
		peers := topic.ListPeers()
		for _, n := range nodes {
			if !slices.Contains(peers, n.h.ID()) {
				return false
			}
		}
		return true
	})
	return raw, topic
}

// TestSpamFromMemberLimited: a valid member publishes valid posts as fast
// as it can. An honest node takes no more than its rate limit of them from
// gossip, the spammer's score falls past the graylist threshold, and
// honest records keep flowing.
func TestSpamFromMemberLimited(t *testing.T) {
	founder, mallory := prototest.Key("founder"), prototest.Key("mallory")
	genesis := community(t, founder)
	id := genesis.ID()
	a, b := joinedPair(t, id)
	raw, rawTopic := rawPeer(t, id, a)
	founderJoin, malloryJoin := join(t, founder, id), join(t, mallory, id)
	for _, r := range []*protocol.Record{genesis, founderJoin, malloryJoin} {
		a.publish(t, r)
	}
	eventually(t, "mallory's join on B", func() bool { return b.store.has(malloryJoin.ID()) })

	start := time.Now()
	var spam []protocol.ID
	for i := range 400 {
		r := post(t, mallory, id, fmt.Sprintf("spam %d", i))
		spam = append(spam, r.ID())
		if err := rawTopic.Publish(context.Background(), r.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "mallory graylisted on A", func() bool {
		s, ok := a.g.Score(raw.ID())
		return ok && s < peerScoreThresholds().GraylistThreshold
	})
	time.Sleep(200 * time.Millisecond) // anything still queued reaches the validator
	allowed := authorBurst + int(time.Since(start)/authorInterval) + 1
	stored := 0
	for _, id := range spam {
		if a.store.has(id) {
			stored++
		}
	}
	t.Logf("A stored %d of 400 spam posts (limit %d) in %v", stored, allowed, time.Since(start).Round(time.Millisecond))
	if stored > allowed {
		t.Errorf("A stored %d spam posts, more than the limit of %d", stored, allowed)
	}
	later := post(t, founder, id, "still flowing")
	a.publish(t, later)
	eventually(t, "an honest post on B", func() bool { return b.store.has(later.ID()) })
	if s, _ := a.g.Score(b.h.ID()); s < 0 {
		t.Errorf("honest B's score on A is %.1f", s)
	}
}

// TestOwnRecordsLimited: a member's node publishes past the live rate
// (a script posting in a loop): it holds back what peers would ignore,
// rather than be penalised by them for it.
func TestOwnRecordsLimited(t *testing.T) {
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	id := genesis.ID()
	a, b := joinedPair(t, id)
	var sent, held []protocol.ID
	for i := range authorBurst + 10 {
		var r *protocol.Record
		switch i {
		case 0:
			r = genesis
		case 1:
			r = join(t, founder, id)
		default:
			r = post(t, founder, id, fmt.Sprintf("post %d", i))
		}
		if _, _, err := a.store.Ingest(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		switch err := a.g.Publish(context.Background(), r); {
		case err == nil:
			sent = append(sent, r.ID())
		case errors.Is(err, ErrRateLimited):
			held = append(held, r.ID())
		default:
			t.Fatal(err)
		}
	}
	if len(sent) > authorBurst+1 || len(held) < 9 {
		t.Errorf("%d sent, %d held back; want at most %d sent", len(sent), len(held), authorBurst+1)
	}
	eventually(t, "what was sent on B", func() bool { return b.store.has(sent[len(sent)-1]) })
	if s, _ := b.g.Score(a.h.ID()); s < 0 {
		t.Errorf("A's score on B is %.1f", s)
	}
}
