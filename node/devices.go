package node

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Devices implements api.Backend: the nodes the member vouches for, each
// with the communities (held here) it is vouched for in, this node first.
func (n *Node) Devices(ctx context.Context) ([]api.Device, error) {
	byPeer := make(map[peer.ID]*api.Device)
	err := n.eachDeviceRecord(ctx, func(c protocol.ID, p peer.ID, e store.Entry) {
		d := byPeer[p]
		if d == nil {
			d = &api.Device{PeerID: p.String(), This: p == n.peerID, Communities: []protocol.ID{}}
			byPeer[p] = d
		}
		if b, ok := e.Record.Content().(*protocol.Device); ok && b.Name != "" {
			d.Name = b.Name
		}
		if !slices.Contains(d.Communities, c) {
			d.Communities = append(d.Communities, c)
		}
		d.Since = max(d.Since, e.Record.Header.Created)
	})
	if err != nil {
		return nil, err
	}
	out := []api.Device{}
	for _, d := range byPeer {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b api.Device) int {
		if a.This != b.This {
			if a.This {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Since, a.Since), cmp.Compare(a.PeerID, b.PeerID)) // newest first
	})
	return out, nil
}

// RemoveDevice implements api.Backend: the member stops vouching for a
// node of theirs (a laptop retired or lost) in every community held here,
// by deleting their device records naming it; members' nodes then no
// longer exchange invite-only communities with it. It returns in how
// many communities the device was vouched for.
func (n *Node) RemoveDevice(ctx context.Context, peerID string) (int, error) {
	p, err := peer.Decode(peerID)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a peer id (kith device list shows them): %v", api.ErrBadRequest, peerID, err)
	}
	if p == n.peerID {
		return 0, fmt.Errorf("%w: %s is this node: remove it from another of your devices", api.ErrBadRequest, p)
	}
	type vouch struct{ community, record protocol.ID }
	var vouches []vouch
	err = n.eachDeviceRecord(ctx, func(c protocol.ID, q peer.ID, e store.Entry) {
		if q == p {
			vouches = append(vouches, vouch{c, e.Record.ID()})
		}
	})
	if err != nil {
		return 0, err
	}
	if len(vouches) == 0 {
		return 0, fmt.Errorf("%w: you vouch for no device %s in the communities this node holds (kith device list)", api.ErrNotFound, p)
	}
	communities := make(map[protocol.ID]bool)
	for _, v := range vouches {
		if _, err := n.publish(ctx, v.community, protocol.Refs{Target: v.record}, &protocol.Tombstone{Reason: "device removed"}); err != nil {
			return len(communities), fmt.Errorf("removed from %d communities, then: %w", len(communities), err)
		}
		communities[v.community] = true
	}
	return len(communities), nil
}

// eachDeviceRecord calls fn with each live device record of the member's
// in each community held here where the member is admitted.
func (n *Node) eachDeviceRecord(ctx context.Context, fn func(community protocol.ID, p peer.ID, e store.Entry)) error {
	me := n.id.MemberKey()
	for _, c := range n.store.Communities() {
		if m := n.store.Membership(c); m == nil || !m.Standing(me).Admitted() {
			continue
		}
		err := n.liveOfKind(ctx, c, protocol.KindDevice, func(e store.Entry) bool {
			b, ok := e.Record.Content().(*protocol.Device)
			if !ok || e.Record.Header.Author != me {
				return true
			}
			if p, err := peer.IDFromBytes(b.PeerID); err == nil {
				fn(c, p, e)
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}
