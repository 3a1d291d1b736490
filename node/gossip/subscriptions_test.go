package gossip

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// knownOnly is an AllowPeer like the daemon's: no peer is allowed in a
// community this node does not hold, and then only those allow admits.
type knownOnly struct {
	mu    sync.Mutex
	known map[protocol.ID]bool
	allow func(peer.ID) bool
}

func (k *knownOnly) learn(c protocol.ID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.known[c] = true
}

func (k *knownOnly) AllowPeer(c protocol.ID, p peer.ID) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.known[c] && k.allow(p)
}

// TestJoinAfterConnecting: a node that joins a community after connecting
// to a member (a joiner already connected to its organisation's anchor)
// knows the member is in the topic, so its own records reach the member
// live. The member announced its subscription only when they connected,
// before the node held the community.
func TestJoinAfterConnecting(t *testing.T) {
	founder := prototest.Key("founder")
	genesis := community(t, founder)
	id := genesis.ID()
	a := newNode(t, Options{})
	bAllow := &knownOnly{known: map[protocol.ID]bool{}, allow: func(peer.ID) bool { return true }}
	b := newNode(t, Options{AllowPeer: bAllow.AllowPeer})
	a.join(t, id)
	connect(t, a.h, b.h)
	time.Sleep(200 * time.Millisecond) // a's subscription reaches b before b holds the community
	bAllow.learn(id)
	b.join(t, id)
	waitPeers(t, b, id, a)

	founderJoin, hello := join(t, founder, id), post(t, founder, id, "hello")
	for _, r := range []*protocol.Record{genesis, founderJoin, hello} {
		b.publish(t, r)
	}
	eventually(t, "b's post on a", func() bool { return a.store.has(hello.ID()) })
}

// TestJoinDropsDisallowedSubscriber: a peer whose subscription was
// recorded before this node held an invite-only community, and that the
// community does not allow, is disconnected when the node joins, and is
// never taken for one of the topic's peers.
func TestJoinDropsDisallowedSubscriber(t *testing.T) {
	id := community(t, prototest.Key("founder")).ID()
	outsider := newNode(t, Options{})
	bAllow := &knownOnly{known: map[protocol.ID]bool{}, allow: func(p peer.ID) bool { return p != outsider.h.ID() }}
	b := newNode(t, Options{AllowPeer: bAllow.AllowPeer})
	outsider.join(t, id)
	connect(t, outsider.h, b.h)
	time.Sleep(200 * time.Millisecond)
	bAllow.learn(id)
	b.join(t, id)
	eventually(t, "outsider disconnected and out of the topic", func() bool {
		return b.h.Network().Connectedness(outsider.h.ID()) != network.Connected &&
			!slices.Contains(b.g.Peers(id), outsider.h.ID())
	})
	// Reconnected, its subscription is judged afresh and refused.
	connect(t, outsider.h, b.h)
	time.Sleep(300 * time.Millisecond)
	for _, p := range b.g.Peers(id) {
		if p == outsider.h.ID() {
			t.Error("the outsider's subscription was recorded after reconnecting")
		}
	}
}
