package gossip

import (
	"slices"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Lost lists the peers this node holds a direct connection to that speak
// Kith's gossip protocol, but that pubsub no longer exchanges messages
// with.
//
// Pubsub gives up on a peer while a connection to it stays open when its
// streams keep failing (after four retries within ten minutes: a peer
// killed and started again before its old connection was noticed as
// gone, or two nodes started from one copied home), or when it cannot
// open a stream to it at all: it then sends that peer nothing, and lists
// it in no topic, until a new connection is made. The caller
// (the node) closes and redials such a connection.
func (g *Gossip) Lost() []peer.ID {
	peering := g.ps.ListPeers("")
	var lost []peer.ID
	for _, p := range g.h.Network().Peers() {
		if p == g.h.ID() || slices.Contains(peering, p) || !direct(g.h.Network(), p) {
			continue
		}
		if ok, err := g.h.Peerstore().SupportsProtocols(p, protocols...); err != nil || len(ok) == 0 {
			continue
		}
		lost = append(lost, p)
	}
	return lost
}

// direct reports whether one of the connections to p is not relayed:
// pubsub opens no streams over a relayed (limited) connection.
func direct(nw network.Network, p peer.ID) bool {
	for _, c := range nw.ConnsToPeer(p) {
		if !c.Stat().Limited {
			return true
		}
	}
	return false
}
