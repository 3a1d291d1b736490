package gossip

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestAllowPeer: a peer AllowPeer refuses is never counted in the topic,
// so no record is ever sent to it.
func TestAllowPeer(t *testing.T) {
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	id := genesis.ID()
	c := newNode(t, Options{})
	deny := c.h.ID()
	a := newNode(t, Options{AllowPeer: func(community protocol.ID, p peer.ID) bool {
		return community != id || p != deny
	}})
	b := newNode(t, Options{})
	for _, n := range []*node{a, b, c} {
		n.join(t, id)
	}
	connect(t, a.h, b.h)
	connect(t, a.h, c.h)
	waitPeers(t, a, id, b)
	waitPeers(t, c, id, a)

	// C may still send to A. Once A has C's record, A has read C's
	// subscription, which came first on the same stream.
	c.publish(t, genesis)
	eventually(t, "C's record on A", func() bool { return a.store.has(genesis.ID()) })
	if slices.Contains(a.g.Peers(id), c.h.ID()) {
		t.Fatal("A counts the refused peer in the topic")
	}
	founderJoin := join(t, founder, id)
	a.publish(t, founderJoin)
	eventually(t, "A's record on B", func() bool { return b.store.has(founderJoin.ID()) })
	time.Sleep(200 * time.Millisecond) // a negative: give a stray send time to land
	if c.store.has(founderJoin.ID()) {
		t.Error("A sent a record to a refused peer")
	}
}

func TestLeaveAndClose(t *testing.T) {
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	id := genesis.ID()
	a, b := newNode(t, Options{}), newNode(t, Options{})
	connect(t, a.h, b.h)
	a.join(t, id)
	b.join(t, id)
	b.join(t, id) // joining twice is harmless
	waitPeers(t, a, id, b)

	if err := b.g.Leave(id); err != nil {
		t.Fatal(err)
	}
	if err := b.g.Leave(id); err != nil {
		t.Fatalf("leave twice: %v", err)
	}
	eventually(t, "B gone from A's topic", func() bool { return !slices.Contains(a.g.Peers(id), b.h.ID()) })
	if _, _, err := b.store.Ingest(context.Background(), genesis); err != nil {
		t.Fatal(err)
	}
	if err := b.g.Publish(context.Background(), genesis); !errors.Is(err, ErrNotJoined) {
		t.Errorf("publish after leave: %v, want ErrNotJoined", err)
	}
	b.join(t, id)
	waitPeers(t, a, id, b)
	b.publish(t, genesis)
	eventually(t, "B's record on A after rejoining", func() bool { return a.store.has(genesis.ID()) })

	if err := b.g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.g.Close(); err != nil {
		t.Fatalf("close twice: %v", err)
	}
	if err := b.g.Join(id); !errors.Is(err, ErrClosed) {
		t.Errorf("join after close: %v, want ErrClosed", err)
	}
	if err := b.g.Publish(context.Background(), genesis); !errors.Is(err, ErrClosed) {
		t.Errorf("publish after close: %v, want ErrClosed", err)
	}
	if _, err := New(context.Background(), a.h, nil, Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
}
