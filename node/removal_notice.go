package node

import (
	"context"
	"errors"
	"fmt"
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

// removedMember is a community a sync server refuses a peer, and the
// removed member whose device record names the peer.
type removedMember struct {
	community protocol.ID
	member    protocol.PublicKey
}

// sendRemovals sends, for each community of the hello that the server
// refuses remote because its member is removed (removed maps the
// community's index in the hello to it), the proof of the removal.
func (n *Node) sendRemovals(ctx context.Context, f *frames, remote peer.ID, removed map[byte]removedMember) error {
	for i, r := range removed {
		m := n.store.Membership(r.community)
		if m == nil {
			continue
		}
		proof := m.Removal(r.member)
		if len(proof) == 0 {
			continue
		}
		if err := f.send(frameRemoved, []byte{i}); err != nil {
			return err
		}
		if _, err := n.sendRecords(ctx, f, r.community, proof); err != nil {
			return fmt.Errorf("community %s: send the removal of %s: %w", r.community, r.member, err)
		}
		// Debug: the removed node hears it at each session it starts.
		n.log.Debug("sync: told a removed member's node of the removal", "community", r.community, "peer", remote, "member", r.member)
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
	tally := new(received)
	defer tally.report(n.log, c)
	if _, err := n.receiveRecords(ctx, f, c, tally, nil); err != nil {
		return fmt.Errorf("community %s: removal notice: %w", c, err)
	}
	// The removal, once stored, is logged with the community's name and
	// the reason (sayStanding).
	return nil
}

// removedOfferEvery is how often a node offers a community its member
// was removed from (Node.removedOffers): each session brings the
// removal's proof again (every role record of the community), and is
// needed only to learn of a re-admission, which is rare. A new
// connection to a member's node of the community lifts it (a member's
// node that admits the member again redials it: see reviver.readmit),
// as does the member asking for a sync of it.
const removedOfferEvery = 10 * time.Minute
