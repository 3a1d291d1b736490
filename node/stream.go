package node

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pprotocol "github.com/libp2p/go-libp2p/core/protocol"
)

// directWait bounds how long opening a stream to a peer connected only
// through a relay waits for hole punching to bring a direct connection.
const directWait = 10 * time.Second

// newStream opens a stream for one of Kith's protocols. They never run
// over a relayed connection (go-libp2p marks those limited: a couple of
// minutes and 128 KiB, for hole punching, not for a community's history).
// go-libp2p's NewStream would wait for a direct connection until ctx ends,
// minutes for a sync; here that wait is directWait, so that a join or a
// catch-up moves on to a member it can reach.
//
// Given several versions of a protocol, newest first, the peer picks the
// first it speaks (the stream's Protocol says which).
func (n *Node) newStream(ctx context.Context, p peer.ID, protos ...libp2pprotocol.ID) (network.Stream, error) {
	if !relayedOnly(n.host.Network().ConnsToPeer(p)) {
		return n.host.NewStream(ctx, p, protos...)
	}
	wctx, cancel := context.WithTimeout(ctx, directWait)
	defer cancel()
	s, err := n.host.NewStream(wctx, p, protos...)
	if err != nil {
		return nil, fmt.Errorf("%s is reachable only through a relay, and no direct connection came within %v: %w", p, directWait, err)
	}
	return s, nil
}

// relayedOnly reports whether conns are all limited (relayed): none can
// carry Kith's protocols.
func relayedOnly(conns []network.Conn) bool {
	for _, c := range conns {
		if !c.Stat().Limited {
			return false
		}
	}
	return len(conns) > 0
}
