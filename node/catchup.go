package node

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/protocol"
)

const (
	// syncEvery is how often a node syncs with one random peer that
	// shares a community (anti-entropy): gossip delivers almost everything
	// live, and this closes the gaps it leaves (a record relayed before
	// the mesh to a new neighbour formed is never offered to it).
	syncEvery = 5 * time.Second
	// syncOnConnect is how long after a new connection the node syncs
	// with that peer, once gossip has exchanged subscriptions.
	syncOnConnect = time.Second
	maxBackoff    = 10 * time.Minute
)

// backoff remembers failed sessions per peer, so a failing peer is tried
// again later and later.
type backoff struct {
	mu    sync.Mutex
	until map[peer.ID]time.Time
	wait  map[peer.ID]time.Duration
}

func (b *backoff) ready(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().After(b.until[p])
}

// forget clears a peer's back-off: it reconnected (a restart, a network
// back), and deserves a session now rather than minutes later.
func (b *backoff) forget(p peer.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.until, p)
	delete(b.wait, p)
}

func (b *backoff) result(p peer.ID, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if errors.Is(err, errSyncBusy) {
		return // a session was running: no failure
	}
	if err == nil {
		delete(b.until, p)
		delete(b.wait, p)
		return
	}
	w := min(max(2*b.wait[p], syncEvery), maxBackoff)
	b.wait[p], b.until[p] = w, time.Now().Add(w)
}

// antiEntropy runs until ctx ends: every syncEvery it syncs with one
// random peer that is in one of this node's community topics. It is owned
// by the Node and stops on Close.
func (n *Node) antiEntropy(ctx context.Context) {
	t := time.NewTicker(syncEvery)
	defer t.Stop()
	var rv reviver
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rv.tick(n)
		rv.readmit(n)
		n.joinTopics()
		var candidates []peer.ID
		seen := make(map[peer.ID]bool)
		for _, c := range n.store.Communities() {
			for _, p := range n.gossip.Peers(c) {
				if !seen[p] && n.backoff.ready(p) {
					seen[p] = true
					candidates = append(candidates, p)
				}
			}
		}
		if len(candidates) > 0 {
			n.syncWith(ctx, candidates[rand.IntN(len(candidates))], protocol.ID{})
		}
	}
}

// redial closes the connection to p and dials it again at addrs, in the
// background; why names the peer in a log line if the dial fails.
func (n *Node) redial(p peer.ID, addrs []multiaddr.Multiaddr, why string) {
	n.host.Network().ClosePeer(p)
	n.dial(p, addrs, why)
}

// dial connects to p at addrs in the background (nothing if connected
// already); why names the peer in a log line if the dial fails.
func (n *Node) dial(p peer.ID, addrs []multiaddr.Multiaddr, why string) {
	n.tasks.Go(func() {
		ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
		defer cancel()
		if err := n.host.Connect(ctx, peer.AddrInfo{ID: p, Addrs: addrs}); err != nil && n.ctx.Err() == nil {
			n.log.Info("reconnect to "+why, "peer", p, "err", err)
		}
	})
}

// redialDropped reconnects at once to a peer gossip disconnected for its
// subscription to a community it is no longer allowed in (a member
// removed from one invite-only community, a device no longer vouched
// for): the peer may share other communities with this node, whose live
// records it would miss until some later dial. On the new connection its
// subscriptions pass gossip's filter afresh. A peer at most every
// reviveFirstWait, should it be dropped again and again.
func (n *Node) redialDropped(p peer.ID) {
	addrs := n.host.Peerstore().Addrs(p)
	if len(addrs) == 0 || n.ctx.Err() != nil || !n.dropRedials.due(p, reviveFirstWait) {
		return
	}
	// Gossip closed the connection already: closing again could cut one
	// the peer opened since.
	n.dial(p, addrs, "a peer cut off from one community")
}

// readmit reconnects to the peers gossip refused in a community's topic
// and now allows (gossip.Readmitted: a member admitted again): on the new
// connection they announce their subscriptions again, and this time they
// are taken, so that live records reach them. A peer at most every
// reviveMaxWait: each costs it a new connection.
func (rv *reviver) readmit(n *Node) {
	for _, p := range n.gossip.Readmitted() {
		addrs := n.host.Peerstore().Addrs(p)
		if len(addrs) == 0 || !rv.readmitted.due(p, reviveMaxWait) {
			continue // it reconnects when it will
		}
		n.log.Info("reconnecting to a peer now allowed in a community it was refused in, so that it gets live records", "peer", p)
		n.redial(p, addrs, "a peer now allowed")
	}
}

// joinTopics joins the topic of every community the store holds, as the
// node does at start: a join stopped halfway (the history fetched, the
// topic not yet joined), or records of a community that came by sync
// afterwards, would otherwise leave a community that syncs but gets and
// sends nothing live until the node restarts.
//
// Only where the member stands admitted: a join in progress stores the
// history batch by batch, and joining the topic of a half-fetched copy
// would disconnect the inviter (whose device record may not have come
// yet) in the middle of the fetch.
func (n *Node) joinTopics() {
	for _, c := range n.store.Communities() {
		if m := n.store.Membership(c); m == nil || !m.Standing(n.id.MemberKey()).Admitted() || n.gossip.Joined(c) {
			continue
		}
		if err := n.gossip.Join(c); err != nil && n.ctx.Err() == nil {
			n.log.Warn("subscribe to community", "community", c, "err", err)
		}
	}
}

// reviver closes and redials the connections to peers that gossip lost
// (gossip.Lost): pubsub takes a peer up again only on a new connection,
// and until then neither gossip nor catch-up reaches it (both go by the
// topic's peers). It is used by the anti-entropy goroutine alone.
type reviver struct {
	lost       map[peer.ID]bool          // lost at the last tick
	next       map[peer.ID]time.Time     // no revival of the peer before
	wait       map[peer.ID]time.Duration // between revivals of the peer
	readmitted spacing[peer.ID]          // redialled lately by readmit
}

const (
	reviveFirstWait = 30 * time.Second
	reviveMaxWait   = 10 * time.Minute
)

// tick revives each peer lost at this tick and the one before (one
// tick's grace spares a connection pubsub has not taken up yet), unless
// it was revived lately: a peer lost again and again (two nodes started
// from one copied home) is revived less and less often, so that what
// else runs over the connection is not cut every few seconds.
func (rv *reviver) tick(n *Node) {
	if rv.next == nil {
		rv.next, rv.wait = make(map[peer.ID]time.Time), make(map[peer.ID]time.Duration)
	}
	now := make(map[peer.ID]bool)
	for _, p := range n.gossip.Lost() {
		now[p] = true
		if !rv.lost[p] || time.Now().Before(rv.next[p]) {
			continue
		}
		addrs := n.host.Peerstore().Addrs(p)
		if len(addrs) == 0 {
			continue // nothing to redial: closing would only cut it off
		}
		w := min(max(2*rv.wait[p], reviveFirstWait), reviveMaxWait)
		rv.wait[p], rv.next[p] = w, time.Now().Add(w)
		n.log.Warn("gossip stopped exchanging with a connected peer; reconnecting to it (if this repeats, two nodes may be running with one node key: a copied home directory; a second device needs its own, see kith community invite --device)",
			"peer", p, "next-at-the-earliest", w)
		n.redial(p, addrs, "a peer gossip had lost")
	}
	for p, at := range rv.next { // forget peers quiet for a while
		if time.Since(at) > reviveMaxWait {
			delete(rv.next, p)
			delete(rv.wait, p)
		}
	}
	rv.lost = now
}

// syncWith runs a session and records its outcome for back-off.
func (n *Node) syncWith(ctx context.Context, p peer.ID, only protocol.ID) ([]SyncResult, error) {
	res, err := n.Sync(ctx, p, only)
	n.backoff.result(p, err)
	if err != nil && ctx.Err() == nil && !errors.Is(err, errSyncBusy) {
		n.log.Debug("sync", "peer", p, "err", err)
	}
	for _, r := range res {
		if r.Fetched > 0 || r.Sent > 0 {
			n.log.Info("synced", "community", r.Community, "peer", p, "fetched", r.Fetched, "sent", r.Sent, "rounds", r.Rounds)
		}
	}
	return res, err
}

// syncOnConnect syncs with every newly connected peer, shortly after the
// connection opens.
type connectSync struct{ n *Node }

func (cs connectSync) Connected(_ network.Network, c network.Conn) {
	n := cs.n
	p := c.RemotePeer()
	if !c.Stat().Limited && n.ctx.Err() == nil {
		n.tasks.Go(func() {
			// Before the sync this connection starts in a second.
			n.removedOffers.forgetIf(func(c protocol.ID) bool { return n.allowPeer(c, p) })
			n.checkClock(n.ctx, p)
		})
	}
	if !c.Stat().Limited {
		n.backoff.forget(p)
		if n.newPeer != nil {
			select { // attachments no peer could give may be here now
			case n.newPeer <- struct{}{}:
			default:
			}
		}
	}
	// One side starts: the one with the lower peer id, so that the two do
	// not start sessions that collide.
	if n.ctx.Err() != nil || n.peerID >= p || c.Stat().Limited {
		return // a relayed connection carries no sync: wait for a direct one
	}
	n.tasks.Go(func() {
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(syncOnConnect):
		}
		if n.backoff.ready(p) {
			n.syncWith(n.ctx, p, protocol.ID{})
		}
	})
}

func (connectSync) Disconnected(network.Network, network.Conn)       {}
func (connectSync) Listen(network.Network, multiaddr.Multiaddr)      {}
func (connectSync) ListenClose(network.Network, multiaddr.Multiaddr) {}
