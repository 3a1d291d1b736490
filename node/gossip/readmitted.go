package gossip

import (
	"sync"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// refusedSubs remembers the subscriptions the filter refused, by peer: a
// peer announces its subscriptions once per connection, so a peer allowed
// later (a member re-admitted, a device vouched for after it connected)
// would get no live records of the community until it reconnects.
type refusedSubs struct {
	mu    sync.Mutex
	by    map[peer.ID]map[protocol.ID]bool
	dirty map[protocol.ID]bool // communities whose membership changed since Readmitted looked
}

// Bounds on what is remembered: of one peer, and peers.
const (
	maxRefusedPerPeer = 256
	maxRefusedPeers   = 1024
)

// note records that p's subscription to community c was refused.
func (r *refusedSubs) note(p peer.ID, c protocol.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.by == nil {
		r.by = make(map[peer.ID]map[protocol.ID]bool)
	}
	cs := r.by[p]
	if cs == nil {
		if len(r.by) >= maxRefusedPeers {
			return
		}
		cs = make(map[protocol.ID]bool)
		r.by[p] = cs
	}
	if len(cs) < maxRefusedPerPeer {
		cs[c] = true
	}
}

// subscribes reports whether subs subscribe to topic (the filter is asked
// about unsubscriptions too).
func subscribes(subs []*pb.RPC_SubOpts, topic string) bool {
	for _, s := range subs {
		if s.GetTopicid() == topic && s.GetSubscribe() {
			return true
		}
	}
	return false
}

// changed notes that community c's membership changed: the refusals of
// its subscriptions are worth asking AllowPeer about again.
func (r *refusedSubs) changed(c protocol.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirty == nil {
		r.dirty = make(map[protocol.ID]bool)
	}
	r.dirty[c] = true
}

// Readmitted lists the connected peers that subscribed, on their current
// connection, to a community whose topic this node refused them then and
// allows them now; each is listed once. The caller (the node) closes and
// redials their connection, on which they announce their subscriptions
// again. Peers no longer connected are forgotten.
func (g *Gossip) Readmitted() []peer.ID {
	// Only refusals in communities whose membership changed since the
	// last look (Recheck marks them) are asked about again: AllowPeer
	// reads the member list. It is not called with the lock held, which
	// the subscription filter takes in pubsub's event loop.
	g.refusedSubs.mu.Lock()
	dirty := g.refusedSubs.dirty
	g.refusedSubs.dirty = nil
	refused := make(map[peer.ID][]protocol.ID)
	for p, cs := range g.refusedSubs.by {
		if g.h.Network().Connectedness(p) != network.Connected {
			delete(g.refusedSubs.by, p)
			continue
		}
		for c := range cs {
			if dirty[c] {
				refused[p] = append(refused[p], c)
			}
		}
	}
	g.refusedSubs.mu.Unlock()
	var out []peer.ID
	for p, cs := range refused {
		for _, c := range cs {
			if g.holds(c) && g.opts.AllowPeer != nil && g.opts.AllowPeer(c, p) {
				out = append(out, p)
				break
			}
		}
	}
	g.refusedSubs.mu.Lock()
	for _, p := range out {
		delete(g.refusedSubs.by, p)
	}
	g.refusedSubs.mu.Unlock()
	return out
}
