package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// A member's node learns of its removal by gossip only if it is connected
// when a moderator removes the member: members' nodes neither sync nor
// gossip an invite-only community with a removed member's node after
// that. A node that was away would go on seeing itself a member, writing
// records that no one takes. So a sync server that refuses a community
// because the client's member is removed says so, with the records that
// prove it (protocol.Membership.Removal), before its accept frame:
//
//	server → X (index in the hello) D ... D E    for each such community
//
// The client stores them as it stores any synced record, after the same
// validation; from then on its own copy shows the removal.

// sendRemovals sends, for each community of the hello that the server
// holds and refuses remote (refused maps its index in the hello to it),
// the proof of remote's member's removal if that is why.
func (n *Node) sendRemovals(ctx context.Context, f *frames, remote peer.ID, refused map[byte]protocol.ID) error {
	for i, c := range refused {
		m := n.store.Membership(c)
		if m == nil || m.Genesis == nil || m.Genesis.Policy == protocol.JoinOpen {
			continue
		}
		who, st := n.peerMember(c, remote)
		if st != protocol.StandingRemoved {
			continue
		}
		proof := m.Removal(who)
		if len(proof) == 0 {
			continue
		}
		if err := f.send(frameRemoved, []byte{i}); err != nil {
			return err
		}
		if _, err := n.sendRecords(ctx, f, c, proof); err != nil {
			return fmt.Errorf("community %s: send the removal of %s: %w", c, who, err)
		}
		// Debug: the removed node hears it at each session it starts.
		n.log.Debug("sync: told a removed member's node of the removal", "community", c, "peer", remote, "member", who)
	}
	return nil
}

// receiveRemoval stores the records a server sent to prove this node's
// member removed from the community at index data[0] of the hello (mine).
func (n *Node) receiveRemoval(ctx context.Context, f *frames, data []byte, mine []protocol.ID, seen map[byte]bool) error {
	if len(data) != 1 || int(data[0]) >= len(mine) || seen[data[0]] {
		return errors.New("peer sent a malformed removal notice")
	}
	seen[data[0]] = true
	c := mine[data[0]]
	if _, err := n.receiveRecords(ctx, f, c); err != nil {
		return fmt.Errorf("community %s: removal notice: %w", c, err)
	}
	// The removal, once stored, is logged with the community's name and
	// the reason (sayStanding).
	return nil
}

// removedOffers spaces out the sessions in which a node offers a
// community its member was removed from: each brings the removal's proof
// again (every role record of the community), and is needed only to learn
// of a re-admission, which is rare.
type removedOffers struct {
	mu   sync.Mutex
	last map[protocol.ID]time.Time
}

// removedOfferEvery is how often a node offers such a community, unless
// the member asks for a sync of it or a new connection opens (a member's
// node that admits the member again redials it: see Node.readmit).
const removedOfferEvery = 10 * time.Minute

// due reports whether community c may be offered now, and if so notes it.
func (o *removedOffers) due(c protocol.ID) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.last[c]; ok && time.Since(t) < removedOfferEvery {
		return false
	}
	if o.last == nil {
		o.last = make(map[protocol.ID]time.Time)
	}
	o.last[c] = time.Now()
	return true
}

// resetFor lets each such community that allowed says yes for be offered
// at the next session: a new connection to a member's node of it may be
// one that admitted the member again.
func (o *removedOffers) resetFor(allowed func(protocol.ID) bool) {
	o.mu.Lock()
	cs := make([]protocol.ID, 0, len(o.last))
	for c := range o.last {
		cs = append(cs, c)
	}
	o.mu.Unlock()
	for _, c := range cs { // allowed reads the store: not under the lock
		if allowed(c) {
			o.mu.Lock()
			delete(o.last, c)
			o.mu.Unlock()
		}
	}
}
