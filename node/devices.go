package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
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
		if !slices.Contains(d.Communities, c) {
			d.Communities = append(d.Communities, c)
		}
		if created := e.Record.Header.Created; created >= d.Since {
			// The newest vouching names it: an empty name there unnames it.
			d.Since = created
			if b, ok := e.Record.Content().(*protocol.Device); ok {
				d.Name = b.Name
			}
		}
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
	type vouch struct {
		community, record protocol.ID
		peer              peer.ID
	}
	var all []vouch
	err := n.eachDeviceRecord(ctx, func(c protocol.ID, q peer.ID, e store.Entry) {
		all = append(all, vouch{c, e.Record.ID(), q})
	})
	if err != nil {
		return 0, err
	}
	// The peer id in full, or the start of one of the member's devices'
	// (as `kith device list` shows them).
	matched := make(map[peer.ID]bool)
	for _, v := range all {
		if v.peer.String() == peerID {
			clear(matched)
			matched[v.peer] = true
			break
		}
		if len(peerID) >= minPeerPrefix && strings.HasPrefix(v.peer.String(), peerID) {
			matched[v.peer] = true
		}
	}
	var p peer.ID
	switch {
	case len(matched) > 1:
		return 0, fmt.Errorf("%w: %q starts the peer id of %d of your devices: give more of it (kith device list)", api.ErrBadRequest, peerID, len(matched))
	case len(matched) == 1:
		for q := range matched {
			p = q
		}
	case peerID == n.peerID.String() || len(peerID) >= minPeerPrefix && strings.HasPrefix(n.peerID.String(), peerID):
		p = n.peerID
	default:
		if _, err := peer.Decode(peerID); err != nil {
			return 0, fmt.Errorf("%w: %q is not a peer id (kith device list shows them): %v", api.ErrBadRequest, peerID, err)
		}
		return 0, fmt.Errorf("%w: you vouch for no device %s in the communities this node holds (kith device list)", api.ErrNotFound, peerID)
	}
	if p == n.peerID {
		return 0, fmt.Errorf("%w: %s is this node: remove it from another of your devices", api.ErrBadRequest, p)
	}
	var vouches []vouch
	for _, v := range all {
		if v.peer == p {
			vouches = append(vouches, v)
		}
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

// minPeerPrefix is the shortest start of a peer id RemoveDevice takes:
// every Ed25519 peer id starts with the same 8 characters ("12D3KooW").
const minPeerPrefix = 12

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

// NameDevice implements api.Backend: this node's name in the member's
// device list (and on their page in each community, for its members),
// published in a new device record in every community held here where
// the member vouches for this node; the communities it joins later get
// it with the device record of the join. An empty name unnames it. It
// returns in how many communities it was published.
func (n *Node) NameDevice(ctx context.Context, name string) (int, error) {
	name = strings.TrimSpace(name)
	if err := protocol.CheckName(name); err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) {
			return 0, fmt.Errorf("%w: device %s", api.ErrBadRequest, perr.Detail) // "device name is 101 characters…"
		}
		return 0, fmt.Errorf("%w: device %w", api.ErrBadRequest, err)
	}
	named, err := n.thisDevice(ctx)
	if err != nil {
		return 0, err
	}
	if len(named) == 0 {
		return 0, fmt.Errorf("%w: this node is vouched for in no community yet: create or join one first", api.ErrBadRequest)
	}
	// Kept here too: a device record deleted (the device removed, then
	// joining again) takes its name with it.
	if err := writePrivate(n.devicePath(), name+"\n"); err != nil {
		return 0, fmt.Errorf("keep the device name: %w", err)
	}
	published := 0
	for c, had := range named {
		if had.name == name {
			continue
		}
		if _, err := n.publish(ctx, c, protocol.Refs{}, &protocol.Device{PeerID: []byte(n.peerID), Name: name}); err != nil {
			return published, fmt.Errorf("named in %d communities, then: %w", published, err)
		}
		published++
	}
	if published == 0 {
		if name == "" {
			return 0, api.Already(fmt.Errorf("%w: this node has no name in any of its %d communities already", api.ErrBadRequest, len(named)))
		}
		return 0, api.Already(fmt.Errorf("%w: this node is already named %q in its %d communities", api.ErrBadRequest, name, len(named)))
	}
	return published, nil
}

func (n *Node) devicePath() string { return filepath.Join(n.cfg.Home.Dir, home.DeviceFile) }

// deviceName is this node's name: the one `kith device name` kept in the
// home, or else the name in its newest device record held here ("" when
// none names it).
func (n *Node) deviceName(ctx context.Context) string {
	if data, err := os.ReadFile(n.devicePath()); err == nil {
		if name := strings.TrimSpace(string(data)); protocol.CheckName(name) == nil {
			return name
		}
	}
	named, err := n.thisDevice(ctx)
	if err != nil {
		n.log.Warn("read this node's device name", "err", err)
	}
	var newest vouching
	for _, v := range named {
		if v.created >= newest.created {
			newest = v
		}
	}
	return newest.name
}

// vouching is this node's newest device record in a community.
type vouching struct {
	name    string
	created int64
}

// thisDevice returns this node's newest device record in each community
// held here where the member vouches for it.
func (n *Node) thisDevice(ctx context.Context) (map[protocol.ID]vouching, error) {
	out := make(map[protocol.ID]vouching)
	err := n.eachDeviceRecord(ctx, func(c protocol.ID, p peer.ID, e store.Entry) {
		b, ok := e.Record.Content().(*protocol.Device)
		if cur, seen := out[c]; !ok || p != n.peerID || seen && e.Record.Header.Created < cur.created {
			return
		}
		out[c] = vouching{name: b.Name, created: e.Record.Header.Created}
	})
	return out, err
}

// vouchForNewKey publishes a device record for this node, whose node key
// was just made for a member key found alone (home.RepairNodeKey), in
// every community the store holds where the member is admitted: the
// member's key vouches for the node as a join would have, so members'
// nodes let it into invite-only communities again.
func (n *Node) vouchForNewKey(ctx context.Context) {
	me := n.id.MemberKey()
	for _, c := range n.store.Communities() {
		if m := n.store.Membership(c); m == nil || !m.Standing(me).Admitted() {
			continue
		}
		if _, err := n.device(ctx, c); err != nil {
			n.log.Warn("vouch for this node's new key", "community", c, "err", err)
			continue
		}
		n.log.Info("vouched for this node's new key", "community", c)
	}
}
