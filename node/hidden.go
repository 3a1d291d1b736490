package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Undoing a hide: a hide is undone by deleting it (the community rules
// ignore a deleted hide), so that every node shows the record again and
// the history keeps who hid it, who showed it again and why (the store
// keeps a deleted hide's reason).

// kindPage is how many records of a kind one store read lists.
const kindPage = 200

// liveOfKind calls fn with each live record of kind in community (for a
// hide or an accept: each one in force), oldest first, until fn returns
// false.
func (n *Node) liveOfKind(ctx context.Context, community protocol.ID, kind protocol.Kind, fn func(store.Entry) bool) error {
	cursor := ""
	for {
		page, err := n.store.ByKind(ctx, community, kind, cursor, kindPage)
		if err != nil {
			return fmt.Errorf("list %s records: %w", kind, err)
		}
		for _, e := range page.Items {
			if !fn(e) {
				return nil
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// Unhide implements api.Backend: a moderator shows a hidden record again
// by deleting every hide in force on it (were one left, it would take
// effect). It returns the id of the last deletion.
func (n *Node) Unhide(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	e, err := n.moderated(ctx, id, "show a hidden record again")
	if err != nil {
		return protocol.ID{}, err
	}
	if !e.Meta.Hidden {
		// A hide of an event's edit alone, made before an edit's id stood
		// for its original: what `post hidden` lists is that edit.
		if own, err := n.record(ctx, id, "record"); err == nil && own.Meta.Hidden {
			e = own
		}
	}
	community := e.Record.Community()
	if !e.Meta.Hidden {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: %s is not hidden", api.ErrBadRequest, id))
	}
	target := e.Record.ID()
	m := n.store.Membership(community)
	var hides []protocol.ID
	err = n.liveOfKind(ctx, community, protocol.KindHide, func(h store.Entry) bool {
		// A hide by someone who did not moderate then is not in force:
		// left alone, rather than "undone" in the moderation log.
		if h.Record.Header.Target == target && m != nil && m.Moderated(h.Record) {
			hides = append(hides, h.Record.ID())
		}
		return true
	})
	if err != nil {
		return protocol.ID{}, err
	}
	if len(hides) == 0 {
		return protocol.ID{}, fmt.Errorf("%w: %s is hidden, but this node holds no hide of it in force", api.ErrNotFound, id)
	}
	var last protocol.ID
	for _, h := range hides {
		r, err := n.publish(ctx, community, protocol.Refs{Target: h}, &protocol.Tombstone{Reason: req.Reason})
		if err != nil {
			return protocol.ID{}, err
		}
		last = r.ID()
	}
	return last, nil
}

// Hidden implements api.Backend: a page of a community's hides in force,
// oldest first, each with what it hides, so that members see what their
// moderators keep out of view and moderators can undo it.
func (n *Node) Hidden(ctx context.Context, community protocol.ID, cursor string, limit int) (api.HiddenRecords, error) {
	m, err := n.community(community)
	if err != nil {
		return api.HiddenRecords{}, err
	}
	// The text only to a moderator, who decides whether to show it again:
	// hiding takes it out of the others' view.
	moderates := m.Standing(n.id.MemberKey()).Moderates()
	page, err := n.store.ByKind(ctx, community, protocol.KindHide, cursor, limit)
	if err != nil {
		return api.HiddenRecords{}, fmt.Errorf("list hides: %w", err)
	}
	out := api.HiddenRecords{Items: []api.HiddenRecord{}, Next: page.Next}
	for _, h := range page.Items {
		t, err := n.store.Get(ctx, h.Record.Header.Target)
		if err != nil || !t.Meta.Hidden || t.Meta.Deleted {
			continue // a hide of a record deleted since, or one that never took effect
		}
		item := api.HiddenRecord{
			ID: t.Record.ID(), Kind: t.Record.Header.Kind.String(), Author: t.Record.Header.Author,
			Created: t.Record.Header.Created, Title: hiddenTitle(t.Record),
			Hide: h.Record.ID(), HiddenBy: h.Record.Header.Author, HiddenAt: h.Record.Header.Created, Reason: reasonOf(h.Record),
		}
		if moderates {
			item.Text = textOf(t.Record)
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// hiddenTitle names a hidden record for a moderator deciding whether to
// show it again: its title, or the start of its text.
func hiddenTitle(r *protocol.Record) string {
	if t := titleOf(r); t != "" {
		return t
	}
	text := strings.Join(strings.Fields(textOf(r)), " ")
	if runes := []rune(text); len(runes) > 80 {
		text = string(runes[:79]) + "…"
	}
	return text
}

// notShown says why a record asked for by id (a post, note or event, or
// the thread of a reply) is not shown: deleted, hidden by a moderator
// (with the reason given, which the author otherwise finds only in the
// community's moderation log), or written by someone not admitted.
func (n *Node) notShown(ctx context.Context, what string, id protocol.ID) error {
	why := "deleted, hidden, or its author not admitted when writing it: not yet, or removed"
	if e, err := n.store.Get(ctx, id); err == nil {
		switch m := e.Meta; {
		case m.Deleted:
			why = "it was deleted"
		case m.Hidden:
			why = "a moderator hid it" + n.hideReason(ctx, e.Record) + " (the community's About page lists what moderators did)"
			if m := n.store.Membership(e.Record.Community()); m != nil && m.Standing(n.id.MemberKey()).Moderates() {
				// A moderator may read it, and show it again, there.
				why = "a moderator hid it" + n.hideReason(ctx, e.Record) + " (you moderate: the community's Moderation page shows it under Hidden, to read and show again)"
			}
		case m.Status == protocol.StatusPending:
			why = "its author is not admitted (yet): it shows once their join is"
		case m.Status == protocol.StatusRemoved:
			why = "its author had been removed from the community when writing it"
		}
	}
	return fmt.Errorf("%w: %s %s is not shown: %s", api.ErrNotFound, what, id, why)
}

// hideReason is `, saying "REASON"` for the hide in force on r, or "".
func (n *Node) hideReason(ctx context.Context, r *protocol.Record) string {
	c, id := r.Community(), r.ID()
	reason := ""
	store.EachPage(func(cursor string, limit int) (store.Page[store.Entry], error) {
		return n.store.ByKind(ctx, c, protocol.KindHide, cursor, limit)
	}, func(h store.Entry) error {
		if h.Record.Header.Target == id && h.Meta.Live() {
			if why := reasonOf(h.Record); why != "" {
				reason = fmt.Sprintf(", saying %q", why)
			}
			return errFound
		}
		return nil
	})
	return reason
}
