package node

import (
	"context"
	"fmt"
	"iter"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"

	"github.com/kith-network/kith/protocol"
)

// The Kith DHT: a Kademlia DHT of Kith nodes only. Its protocols carry our
// own prefix, so it never joins the public IPFS network, and it has no
// bootstrap list: its routing table fills from the Kith peers this node
// connects to (inviters, bootstrap peers from config, mDNS, members). It
// lets a node find the members of a community by the community's id.

const (
	dhtPrefix        = "/kith"
	rendezvousEvery  = 10 * time.Minute
	rendezvousFirst  = 5 * time.Second
	maxDiscovered    = 8 // members connected to per community and round
	discoveryTimeout = 30 * time.Second
)

// rendezvous is the DHT key under which a community's members announce
// themselves.
func rendezvous(community protocol.ID) string { return "kith/community/" + community.String() }

// startDHT starts the DHT and the rendezvous loop. A loopback node is a
// DHT server (it has no NAT to hide behind, and tests need servers); other
// nodes let libp2p decide from their reachability.
func (n *Node) startDHT() error {
	mode := dht.ModeAuto
	if n.cfg.Loopback {
		mode = dht.ModeServer
	}
	d, err := dht.New(n.host, dht.ProtocolPrefix(dhtPrefix), dht.Mode(mode))
	if err != nil {
		return fmt.Errorf("start the Kith DHT: %w", err)
	}
	n.dht = d
	n.discovery = drouting.NewRoutingDiscovery(d)
	n.closers = append(n.closers, d.Close)
	n.tasks.Go(n.rendezvousLoop)
	return nil
}

// rendezvousLoop announces this node in each of its communities and
// connects to members it is not connected to, now and then.
func (n *Node) rendezvousLoop() {
	wait := rendezvousFirst
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = rendezvousEvery
		for _, c := range n.store.Communities() {
			if m := n.store.Membership(c); m == nil || !m.Standing(n.id.MemberKey()).Admitted() {
				continue
			}
			n.advertise(n.ctx, c)
			for p := range n.findMembers(n.ctx, c) {
				if len(n.host.Network().ConnsToPeer(p.ID)) == 0 {
					n.connectFound(p)
				}
			}
		}
	}
}

// advertise announces this node as a member's node of a community.
func (n *Node) advertise(ctx context.Context, community protocol.ID) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	if _, err := n.discovery.Advertise(ctx, rendezvous(community)); err != nil {
		n.log.Debug("announce on the DHT", "community", community, "err", err)
	}
}

// findMembers looks up nodes that announced themselves in a community,
// yielding each as the DHT finds it, up to maxDiscovered; the lookup ends
// when the caller stops ranging.
func (n *Node) findMembers(ctx context.Context, community protocol.ID) iter.Seq[peer.AddrInfo] {
	return func(yield func(peer.AddrInfo) bool) {
		ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
		defer cancel()
		found, err := n.discovery.FindPeers(ctx, rendezvous(community))
		if err != nil {
			n.log.Debug("look up members on the DHT", "community", community, "err", err)
			return
		}
		count := 0
		for p := range found {
			if p.ID == n.peerID || len(p.Addrs) == 0 {
				continue
			}
			if count++; count > maxDiscovered || !yield(p) {
				return
			}
		}
	}
}

// connectFound connects to a discovered node in the background.
func (n *Node) connectFound(p peer.AddrInfo) {
	n.tasks.Go(func() {
		ctx, cancel := context.WithTimeout(n.ctx, 20*time.Second)
		defer cancel()
		if err := n.host.Connect(ctx, p); err != nil {
			n.log.Debug("connect to a discovered member's node", "peer", p.ID, "err", err)
		}
	})
}
