package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// minPrefix is the fewest digits of an id a member may type: fewer would
// match most of a small community.
const minPrefix = 4

// Resolve implements api.Backend: the records and files here whose ids
// start with prefix, with what each is, so that the CLI can take the
// first digits of an id as Git takes those of a commit.
func (n *Node) Resolve(ctx context.Context, prefix string) ([]api.Match, error) {
	if len(prefix) < minPrefix {
		return nil, fmt.Errorf("%w: %q is too short: give at least %d digits of an id", api.ErrBadRequest, prefix, minPrefix)
	}
	records, files, err := n.store.Prefixed(ctx, prefix, api.MaxMatches)
	if errors.Is(err, store.ErrBadPrefix) {
		return nil, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if err != nil {
		return nil, err
	}
	out := []api.Match{}
	for _, id := range records {
		e, err := n.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, api.Match{ID: id, What: e.Record.Header.Kind.String(), Title: titleOf(e.Record)})
	}
	for _, h := range files {
		m := api.Match{ID: h, What: "file"}
		for _, c := range n.store.Communities() {
			if a, ok, err := n.store.FileNamed(c, h); err == nil && ok {
				m.Title = a.Name
				break
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// titleOf returns what names a record for a person: a community's name, a
// post's, note's or event's title; "" for other kinds and purged bodies.
func titleOf(r *protocol.Record) string {
	if r.Purged() {
		return ""
	}
	switch b := r.Content().(type) {
	case *protocol.Community:
		return b.Name
	case *protocol.Post:
		return b.Title
	case *protocol.Note:
		return b.Title
	case *protocol.Event:
		return b.Title
	}
	return ""
}

// textOf is the text of a post, reply, note or event, as written
// (Markdown); "" for other records, or one whose body was purged.
func textOf(r *protocol.Record) string {
	if r.Purged() {
		return ""
	}
	switch b := r.Content().(type) {
	case *protocol.Post:
		return b.Text
	case *protocol.Reply:
		return b.Text
	case *protocol.Note:
		return b.Text
	case *protocol.Event:
		return b.Text
	}
	return ""
}
