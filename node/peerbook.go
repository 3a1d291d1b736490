package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/node/home"
)

// The peer book remembers the members' nodes this node met, so that after
// a restart it reconnects to them by itself, and sync catches it up: a
// node that joined with an invite code would otherwise know no one once
// it restarts (on loopback, or a LAN without mDNS, or before the DHT
// finds anyone).
const (
	peerBookSize  = 64
	peerBookAddrs = 8 // addresses kept per peer
	peerBookEvery = time.Minute
	peerBookBytes = 1 << 20 // a larger file is not ours to trust
)

// bookEntry is one peer in peers.json.
type bookEntry struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
}

func (n *Node) peerBookPath() string { return filepath.Join(n.cfg.Home.Dir, home.PeersFile) }

// loadPeerBook reads the peer book. A missing file is an empty book; a
// damaged one is reported and ignored, entry by entry where it can be.
func (n *Node) loadPeerBook() []peer.AddrInfo {
	data, err := os.ReadFile(n.peerBookPath())
	if err != nil {
		if !os.IsNotExist(err) {
			n.log.Warn("read the peer book", "err", err)
		}
		return nil
	}
	if len(data) > peerBookBytes {
		n.log.Warn("peer book too large, ignored", "bytes", len(data))
		return nil
	}
	var entries []bookEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		n.log.Warn("peer book damaged, ignored", "err", err)
		return nil
	}
	var out []peer.AddrInfo
	for _, e := range entries[:min(len(entries), peerBookSize)] {
		id, err := peer.Decode(e.ID)
		if err != nil || id == n.peerID {
			continue
		}
		info := peer.AddrInfo{ID: id}
		for _, a := range e.Addrs[:min(len(e.Addrs), peerBookAddrs)] {
			if ma, err := multiaddr.NewMultiaddr(a); err == nil {
				info.Addrs = append(info.Addrs, ma)
			}
		}
		if len(info.Addrs) > 0 {
			out = append(out, info)
		}
	}
	return out
}

// savePeerBook writes the members' nodes connected now, then those of the
// old book not connected, up to peerBookSize.
func (n *Node) savePeerBook() error {
	var entries []bookEntry
	seen := make(map[peer.ID]bool)
	add := func(id peer.ID, addrs []multiaddr.Multiaddr) {
		if seen[id] || id == n.peerID || len(addrs) == 0 || len(entries) >= peerBookSize {
			return
		}
		seen[id] = true
		e := bookEntry{ID: id.String()}
		for _, a := range addrs[:min(len(addrs), peerBookAddrs)] {
			e.Addrs = append(e.Addrs, a.String())
		}
		entries = append(entries, e)
	}
	for _, c := range n.store.Communities() {
		for _, p := range n.gossip.Peers(c) {
			add(p, n.host.Peerstore().Addrs(p))
		}
	}
	for _, info := range n.loadPeerBook() {
		add(info.ID, info.Addrs)
	}
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(n.peerBookPath(), string(data)+"\n"); err != nil {
		return fmt.Errorf("write the peer book: %w", err)
	}
	return nil
}

// reconnect dials the peers of the book, a few at a time, in the
// background.
func (n *Node) reconnect() {
	book := n.loadPeerBook()
	if len(book) == 0 {
		return
	}
	n.tasks.Go(func() {
		sem := make(chan struct{}, 8)
		for _, info := range book {
			select {
			case sem <- struct{}{}:
			case <-n.ctx.Done():
				return
			}
			n.tasks.Go(func() {
				defer func() { <-sem }()
				ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
				defer cancel()
				if err := n.host.Connect(ctx, info); err != nil {
					n.log.Debug("reconnect to a peer of the book", "peer", info.ID, "err", err)
				}
			})
		}
	})
}

// keepPeerBook saves the peer book every peerBookEvery until the node
// closes (Close saves it a last time).
func (n *Node) keepPeerBook() {
	n.tasks.Go(func() {
		t := time.NewTicker(peerBookEvery)
		defer t.Stop()
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-t.C:
				if err := n.savePeerBook(); err != nil {
					n.log.Warn("save the peer book", "err", err)
				}
			}
		}
	})
}
