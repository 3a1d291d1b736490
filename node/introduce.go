package node

import (
	"context"
	"errors"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// A member's node that missed another member's join (it was away, and
// the node that let that member in is away now) refuses the newcomer's
// node a sync of an invite-only community: it does not know that node as
// a member's. The newcomer's node knows both, so when a peer it takes for
// a member's node leaves such a community out of its accept, it
// introduces itself: it hands over, with the fetch protocol, the records
// that admit it (the invite and its join, or the role record that admitted
// it with its author's grants) and its device record, asking for nothing
// older than now. From the next session, sync runs both ways.

// unsharedOf returns the communities of mine (offered in a hello) that
// the peer neither accepted nor sent a removal notice for.
func unsharedOf(mine []protocol.ID, accept []byte, noticed map[byte]bool) []protocol.ID {
	took := make(map[int]bool, len(accept))
	for _, i := range accept {
		took[int(i)] = true
	}
	var out []protocol.ID
	for i, c := range mine {
		if !took[i] && !noticed[byte(i)] {
			out = append(out, c)
		}
	}
	return out
}

// introduction is a peer and a community this node introduced itself to
// (Node.introductions: at most every introduceEvery, as a peer may refuse
// for other reasons, busy or without the community, and each costs a
// round trip).
type introduction struct {
	peer      peer.ID
	community protocol.ID
}

// introduceEvery is how often this node introduces itself to one peer in
// one community.
const introduceEvery = 10 * time.Minute

// introduce hands p the records that admit this node's member, and
// vouch for this node, in each invite-only community of communities.
func (n *Node) introduce(ctx context.Context, p peer.ID, communities []protocol.ID) {
	for _, c := range communities {
		m := n.store.Membership(c)
		if m == nil || m.Genesis == nil || m.Genesis.Policy == protocol.JoinOpen || !m.Standing(n.id.MemberKey()).Admitted() {
			continue
		}
		if !n.introductions.due(introduction{p, c}, introduceEvery) {
			continue
		}
		records := n.admission(ctx, c, m)
		if len(records) == 0 {
			continue
		}
		if err := n.fetch(ctx, p, c, time.Now().UnixMilli(), records, nil); err != nil {
			n.log.Debug("introduce this node to a member's node that did not share a community", "peer", p, "community", c, "err", err)
			continue
		}
		n.log.Info("introduced this node to a member's node that did not know it", "peer", p, "community", c)
	}
}

// admission returns the records that admit this node's member in
// community c (the role record that admitted it with the grants of its
// author back to the founder, or else the invite it used and its join)
// and this node's device record there; nil for the founder, or if a
// record is missing.
func (n *Node) admission(ctx context.Context, c protocol.ID, m *protocol.Membership) []*protocol.Record {
	me := n.id.MemberKey()
	ids := m.Admission(me)
	if ids == nil {
		joinID := m.AdmittedBy(me)
		if joinID.IsZero() || joinID == c {
			return nil // not admitted, or the founder
		}
		join, err := n.store.Get(ctx, joinID)
		if err != nil {
			return nil
		}
		if inv := join.Record.Header.Target; !inv.IsZero() {
			ids = append(ids, inv)
		}
		ids = append(ids, joinID)
	}
	var out []*protocol.Record
	for _, id := range ids {
		e, err := n.store.Get(ctx, id)
		if err != nil {
			return nil
		}
		out = append(out, e.Record)
	}
	devices := func(cursor string, limit int) (store.Page[store.Entry], error) {
		return n.store.ByKind(ctx, c, protocol.KindDevice, cursor, limit)
	}
	err := store.EachPage(devices, func(e store.Entry) error {
		if d, ok := e.Record.Content().(*protocol.Device); ok && e.Record.Header.Author == n.id.MemberKey() && peer.ID(d.PeerID) == n.peerID {
			out = append(out, e.Record)
			return errFound
		}
		return nil
	})
	if !errors.Is(err, errFound) || len(out) > maxSubmitted {
		// No device record of this node, or a chain of grants longer than
		// a peer takes: the peer would refuse it.
		return nil
	}
	return out
}
