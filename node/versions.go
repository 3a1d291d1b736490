package node

import (
	"context"
	"fmt"

	"github.com/kith-network/kith/internal/textdiff"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Versions implements api.Backend: a post's, reply's or event's versions,
// oldest first, each with what it changed in the text before it. The
// pages say "edited"; this is what it said before.
func (n *Node) Versions(ctx context.Context, id protocol.ID) (api.Versions, error) {
	e, err := n.original(ctx, id, "record")
	if err != nil {
		return api.Versions{}, err
	}
	h := e.Record.Header
	out := api.Versions{Record: e.Record.ID(), Kind: h.Kind.String(), Community: e.Record.Community(), Author: h.Author, Items: []api.Version{}}
	switch h.Kind {
	case protocol.KindPost, protocol.KindReply:
		if _, err := n.shownThread(ctx, e); err != nil {
			return api.Versions{}, err
		}
		out.Thread = e.Record.ID()
		if h.Kind == protocol.KindReply {
			out.Thread = h.Root
		}
	case protocol.KindEvent:
		if !e.Meta.Live() {
			return api.Versions{}, n.notShown(ctx, "event", e.Record.ID())
		}
	default:
		return api.Versions{}, fmt.Errorf("%w: %s is %s: posts, replies and events have versions (a note's are its revisions: kith note history)",
			api.ErrBadRequest, id, aOrAn(h.Kind))
	}
	vs, err := n.store.Versions(ctx, e.Record.ID())
	if err != nil {
		return api.Versions{}, err
	}
	before := ""
	for _, v := range vs {
		item := api.Version{ID: v.Record.ID(), Created: v.Record.Header.Created}
		switch b := v.Record.Content().(type) {
		case *protocol.Post:
			item.Title, item.Body, item.Tags, item.Files = b.Title, b.Text, b.Tags, filesOf(b.Files)
		case *protocol.Reply:
			item.Body, item.Files = b.Text, filesOf(b.Files)
		case *protocol.Event:
			item.Title, item.Body, item.Tags, item.Files = b.Title, b.Text, b.Tags, filesOf(b.Files)
			item.Start, item.End, item.Place, item.Link = b.Start, b.End, b.Place, b.Link
			item.Agenda, item.Minutes = noteRef(b.Agenda), noteRef(b.Minutes)
		}
		n.markFiles(item.Files)
		item.Lines = []api.DiffLine{}
		for _, l := range textdiff.Lines(before, item.Body) {
			item.Lines = append(item.Lines, api.DiffLine{Op: string(l.Op), Text: l.Text})
		}
		before = item.Body
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// noteRef is the note an event's agenda or minutes names (empty, or a
// note's id), nil for none.
func noteRef(b []byte) *protocol.ID {
	if len(b) != len(protocol.ID{}) {
		return nil
	}
	id := protocol.ID(b)
	return &id
}
