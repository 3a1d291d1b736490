package node

import (
	"context"
	"fmt"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// A member removed while their node was away goes on writing until the
// node learns of the removal (a peer's sync server tells it). What they
// wrote after the removal then leaves every view of their own node, as
// it never reached anyone else's: without a word, it looked lost. The
// node lists it for them instead (the UI's removal notice links it), so
// that they can read it and keep the text.

// Unshared implements api.Backend: a page of what the member wrote in a
// community after a moderator removed them (and, were there any, before
// their admission: kept aside alike), oldest first.
func (n *Node) Unshared(ctx context.Context, community protocol.ID, cursor string, limit int) (api.UnsharedRecords, error) {
	if _, err := n.community(community); err != nil {
		return api.UnsharedRecords{}, err
	}
	page, err := n.store.AsideByAuthor(ctx, community, n.id.MemberKey(), cursor, limit)
	if err != nil {
		return api.UnsharedRecords{}, fmt.Errorf("list unshared records: %w", err)
	}
	out := api.UnsharedRecords{Items: []api.UnsharedRecord{}, Next: page.Next}
	for _, e := range page.Items {
		r := e.Record
		item := api.UnsharedRecord{ID: r.ID(), Kind: r.Header.Kind.String(), Created: r.Header.Created, Title: titleOf(r), Text: textOf(r)}
		switch o := e.Meta.Object; o.Type {
		case protocol.ObjectThread, protocol.ObjectNote, protocol.ObjectEvent:
			if o.ID != r.ID() {
				item.In, item.InID = o.Type.String(), &o.ID
			}
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// unsharedCount counts what the member wrote in a community while a
// moderator had removed them (0 unless they were ever removed: a
// member's own records are aside only then, as their node holds their
// admission). The count stays after an admission again: those records
// stay refused.
func (n *Node) unsharedCount(ctx context.Context, community protocol.ID, m *protocol.Membership) int {
	me := n.id.MemberKey()
	if !m.WasRemoved(me) {
		return 0
	}
	k := 0
	err := store.EachPage(func(cursor string, limit int) (store.Page[store.Entry], error) {
		return n.store.AsideByAuthor(ctx, community, me, cursor, limit)
	}, func(store.Entry) error {
		k++
		return nil
	})
	if err != nil {
		n.log.Warn("count the records written after a removal", "community", community, "err", err)
	}
	return k
}
