package node

import (
	"context"
	"fmt"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Unaccept implements api.Backend: the asker (or a moderator) withdraws
// a question's accepted answer, so that it has none. The rules make the
// newest accept of a reply still there the answer, so withdrawing means
// deleting every accept in force in the thread: one left would take
// effect (an answer accepted earlier would come back). id is the
// question or one of its replies. It returns the id of the last deletion.
func (n *Node) Unaccept(ctx context.Context, id protocol.ID) (protocol.ID, error) {
	e, err := n.original(ctx, id, "post")
	if err != nil {
		return protocol.ID{}, err
	}
	h := e.Record.Header
	root := e.Record.ID()
	switch h.Kind {
	case protocol.KindReply:
		root = h.Root
	case protocol.KindPost:
	default:
		return protocol.ID{}, fmt.Errorf("%w: %s is %s: give the question or one of its replies", api.ErrBadRequest, id, aOrAn(h.Kind))
	}
	community := e.Record.Community()
	m, err := n.member(community)
	if err != nil {
		return protocol.ID{}, err
	}
	d, err := n.shownThread(ctx, e)
	if err != nil {
		return protocol.ID{}, err
	}
	if d.View.Accepted.IsZero() {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: the thread %s has no accepted answer", api.ErrBadRequest, root))
	}
	me := n.id.MemberKey()
	moderator := m.Standing(me).Moderates()
	if d.View.Author != me && !moderator {
		return protocol.ID{}, fmt.Errorf("%w: only the asker or a moderator may withdraw an accepted answer", api.ErrForbidden)
	}
	var mine []protocol.ID
	others := 0
	err = n.liveOfKind(ctx, community, protocol.KindAccept, func(a store.Entry) bool {
		switch author := a.Record.Header.Author; {
		case a.Record.Header.Root != root:
		case author == me || moderator:
			mine = append(mine, a.Record.ID())
		case m.Moderated(a.Record):
			// In force (the rules take an accept from whoever moderated
			// when making it), and not this member's to delete.
			others++
		}
		return true
	})
	if err != nil {
		return protocol.ID{}, err
	}
	if others > 0 {
		return protocol.ID{}, fmt.Errorf("%w: a moderator accepted an answer here too (%d accept not yours): only a moderator can withdraw it", api.ErrForbidden, others)
	}
	if len(mine) == 0 {
		return protocol.ID{}, fmt.Errorf("%w: the thread's accepted answer rests on no accept this node holds", api.ErrNotFound)
	}
	var last protocol.ID
	for _, a := range mine {
		r, err := n.publish(ctx, community, protocol.Refs{Target: a}, &protocol.Tombstone{Reason: "accepted answer withdrawn"})
		if err != nil {
			return protocol.ID{}, err
		}
		last = r.ID()
	}
	// Said done only once the rules agree: an accept this node could not
	// judge would otherwise leave an answer accepted.
	if d, err := n.store.Thread(ctx, community, root, "", 1); err == nil && !d.View.Accepted.IsZero() {
		return last, fmt.Errorf("withdrew %d accepts, but the thread still has an accepted answer (%s): see kith post show %s", len(mine), d.View.Accepted, root)
	}
	return last, nil
}
