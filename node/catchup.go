package node

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

const (
	// catchUpEvery is how often a node asks its topic peers for what it
	// may have missed; catchUpWindow is how far back it asks.
	catchUpEvery  = 3 * time.Second
	catchUpWindow = 2 * time.Minute
)

// catchUp runs until ctx ends: every few seconds it fetches, from one
// random peer in each community's topic, the records created in the last
// few minutes. Gossip delivers almost everything live; this closes the
// gaps it leaves (see fetchProtocol), and asking one peer per round keeps
// the cost at one fetch per node per community per round, whatever the
// size of the network. It is owned by the Node and stops on Close.
func (n *Node) catchUp(ctx context.Context) {
	t := time.NewTicker(catchUpEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		since := time.Now().Add(-catchUpWindow).UnixMilli()
		for _, c := range n.store.Communities() {
			if peers := n.gossip.Peers(c); len(peers) > 0 {
				n.catchUpWith(ctx, peers[rand.IntN(len(peers))], c, since)
			}
		}
	}
}

func (n *Node) catchUpWith(ctx context.Context, p peer.ID, community protocol.ID, since int64) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := n.fetch(ctx, p, community, since, nil); err != nil && ctx.Err() == nil {
		n.log.Debug("catch up", "peer", p, "community", community, "err", err)
	}
}
