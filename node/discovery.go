package node

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	"github.com/multiformats/go-multiaddr"
)

// mdnsService is Kith's own mDNS service name, so that Kith nodes on a LAN
// find each other and nothing else.
const mdnsService = "_kith-p2p._udp"

// startMDNS announces this node on the local network and connects to the
// Kith nodes it hears of. Never with Loopback: mDNS is multicast.
func (n *Node) startMDNS() error {
	svc := mdns.NewMdnsService(n.host, mdnsService, mdnsNotifee{n})
	if err := svc.Start(); err != nil {
		return fmt.Errorf("start mDNS: %w", err)
	}
	n.closers = append(n.closers, svc.Close)
	return nil
}

type mdnsNotifee struct{ n *Node }

// HandlePeerFound connects to a node found on the LAN, in the background.
func (m mdnsNotifee) HandlePeerFound(info peer.AddrInfo) {
	n := m.n
	if info.ID == n.peerID || n.ctx.Err() != nil {
		return
	}
	n.tasks.Go(func() {
		ctx, cancel := context.WithTimeout(n.ctx, 20*time.Second)
		defer cancel()
		if err := n.host.Connect(ctx, info); err != nil {
			n.log.Debug("connect to a node found by mDNS", "peer", info.ID, "err", err)
			return
		}
		n.log.Info("connected to a node found on the local network", "peer", info.ID)
	})
}

// parsePeers parses multiaddrs ending in /p2p/<peer id>, for relays.
func parsePeers(what string, addrs []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, a := range addrs {
		ma, err := multiaddr.NewMultiaddr(a)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, a, err)
		}
		info, err := peer.AddrInfoFromP2pAddr(ma)
		if err != nil {
			return nil, fmt.Errorf("%s %q must end in /p2p/<peer id>: %w", what, a, err)
		}
		out = append(out, *info)
	}
	return out, nil
}
