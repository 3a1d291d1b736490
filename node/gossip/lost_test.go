package gossip

import (
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TestLostPeer: when a peer's gossip streams keep failing while the
// connection stays up (as when a peer restarts before its old connection
// is noticed), pubsub gives up on it: it leaves the topic although still
// connected. Lost names it; a fresh connection brings it back.
func TestLostPeer(t *testing.T) {
	community := protocol.ID{7}
	a, b := joinedPair(t, community)
	if lost := a.g.Lost(); len(lost) != 0 {
		t.Fatalf("lost before anything failed: %v", lost)
	}
	// Reset every gossip stream between them, again and again, waiting
	// each time for pubsub to open new ones (it backs off 0.1 s, 0.2 s,
	// 0.4 s... then stops trying).
	deadline := time.Now().Add(20 * time.Second)
	for slices.Contains(a.g.Peers(community), b.h.ID()) || len(a.g.Lost()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pubsub never gave up on b: topic peers %v, lost %v", a.g.Peers(community), a.g.Lost())
		}
		for _, c := range b.h.Network().ConnsToPeer(a.h.ID()) {
			for _, s := range c.GetStreams() {
				if slices.Contains(protocols, s.Protocol()) {
					s.Reset()
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	if lost := a.g.Lost(); !slices.Equal(lost, []peer.ID{b.h.ID()}) {
		t.Fatalf("lost = %v, want b", lost)
	}
	if len(b.h.Network().ConnsToPeer(a.h.ID())) == 0 {
		t.Fatal("the connection went down: not the case Lost is for")
	}
	// A new connection makes pubsub take the peer up again.
	a.h.Network().ClosePeer(b.h.ID())
	connect(t, a.h, b.h)
	waitPeers(t, a, community, b)
	if lost := a.g.Lost(); len(lost) != 0 {
		t.Errorf("still lost after reconnecting: %v", lost)
	}
}
