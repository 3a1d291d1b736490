package node

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// reactionNames are the reactions by the names the API and CLI use.
var reactionNames = map[string]protocol.Reaction{
	"helpful": protocol.ReactHelpful, "+1": protocol.ReactPlusOne, "applied": protocol.ReactApplied,
}

// React implements api.Backend: a reaction to a post, reply or note (to
// the note as a whole: its first revision). A member's second identical
// reaction would count once, on every node, so it is refused.
func (n *Node) React(ctx context.Context, target protocol.ID, req api.ReactRequest) (protocol.ID, error) {
	reaction, ok := reactionNames[strings.ToLower(req.Reaction)]
	if !ok {
		return protocol.ID{}, fmt.Errorf("%w: reaction %q: want helpful, +1 or applied", api.ErrBadRequest, req.Reaction)
	}
	e, err := n.original(ctx, target, "post, reply or note")
	if err != nil {
		return protocol.ID{}, err
	}
	h := e.Record.Header
	id, author := e.Record.ID(), h.Author
	switch {
	case h.Kind == protocol.KindNote && !h.Root.IsZero():
		id = h.Root // a note is reacted to as a whole
		root, err := n.store.Get(ctx, id)
		if err != nil {
			return protocol.ID{}, fmt.Errorf("the note's first revision: %w", err)
		}
		author = root.Record.Header.Author
	case h.Kind != protocol.KindPost && h.Kind != protocol.KindReply && h.Kind != protocol.KindNote:
		return protocol.ID{}, fmt.Errorf("%w: %s is %s: react to a post, reply or note", api.ErrBadRequest, target, aOrAn(h.Kind))
	}
	if author == n.id.MemberKey() {
		// The community's rules do not count it: say so rather than
		// write a record that changes nothing.
		return protocol.ID{}, fmt.Errorf("%w: that is yours: a reaction counts only from other members", api.ErrBadRequest)
	}
	if _, err := n.member(e.Record.Community()); err != nil {
		return protocol.ID{}, err
	}
	if h.Kind == protocol.KindNote {
		if _, err := n.store.Note(ctx, e.Record.Community(), id); errors.Is(err, store.ErrNotFound) {
			return protocol.ID{}, n.notShown(ctx, "note", id)
		} else if err != nil {
			return protocol.ID{}, err
		}
	} else if _, err := n.shownThread(ctx, e); err != nil {
		return protocol.ID{}, err
	}
	given, err := n.store.ReactionsOf(ctx, e.Record.Community(), n.id.MemberKey(), []protocol.ID{id})
	if err != nil {
		return protocol.ID{}, err
	}
	if _, ok := given[id][reaction]; ok {
		// It would count once all the same: say so rather than write a
		// record every member's node keeps for nothing.
		return protocol.ID{}, api.Already(fmt.Errorf("%w: you already reacted %q to that", api.ErrBadRequest, strings.ToLower(req.Reaction)))
	}
	r, err := n.publish(ctx, e.Record.Community(), protocol.Refs{Target: id}, &protocol.React{Reaction: reaction})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// reactionsJSON is a record's reaction counts, with the member's own
// (mine: theirs to the record, from store.ReactionsOf).
func reactionsJSON(r protocol.Reactions, mine map[protocol.Reaction]protocol.ID) api.Reactions {
	out := api.Reactions{Helpful: r.Helpful, PlusOne: r.PlusOne, Applied: r.Applied}
	for name, reaction := range reactionNames {
		if id, ok := mine[reaction]; ok {
			if out.Mine == nil {
				out.Mine = make(map[string]protocol.ID)
			}
			out.Mine[name] = id
		}
	}
	return out
}

// myReactions returns the member's reactions to the records shown (none,
// when they cannot be read: the page shows counts all the same).
func (n *Node) myReactions(ctx context.Context, community protocol.ID, shown []protocol.ID) map[protocol.ID]map[protocol.Reaction]protocol.ID {
	mine, err := n.store.ReactionsOf(ctx, community, n.id.MemberKey(), shown)
	if err != nil {
		n.log.Warn("read the member's reactions", "community", community, "err", err)
	}
	return mine
}
