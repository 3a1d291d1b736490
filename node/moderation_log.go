package node

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// roleNames names role actions in the moderation log, as `kith member`
// takes them.
var roleNames = map[protocol.RoleAction]string{
	protocol.RoleModerator: "moderator", protocol.RoleRevoke: "revoke", protocol.RoleAdmit: "admit",
	protocol.RoleRemove: "remove", protocol.RoleRevokeInvite: "revoke-invite",
}

// ModerationLog implements api.Backend: a page of what the community's
// moderators did, newest first: role changes, hides, records shown again,
// and deletions of other members' records, each with its reason. It is
// the moderators' accountability to members: every entry is a signed
// record every node holds. The cursor is an offset into the log as it is
// when read (entries are few; a new one shifts a page by one).
func (n *Node) ModerationLog(ctx context.Context, community protocol.ID, cursor string, limit int) (api.ModerationLog, error) {
	m, err := n.community(community)
	if err != nil {
		return api.ModerationLog{}, err
	}
	from := 0
	if cursor != "" {
		v, err := strconv.Atoi(cursor)
		if err != nil || v < 0 {
			return api.ModerationLog{}, fmt.Errorf("%w: cursor %q is not one this list gave", api.ErrBadRequest, cursor)
		}
		from = v
	}
	items, err := n.modLog.get(n.store, community, func() ([]api.ModerationEntry, error) { return n.moderationEntries(ctx, community, m) })
	if err != nil {
		return api.ModerationLog{}, err
	}
	from = min(from, len(items))
	to := from + min(limit, len(items)-from) // no overflow, whatever the cursor and limit
	out := api.ModerationLog{Items: items[from:to]}
	if to < len(items) {
		out.Next = strconv.Itoa(to)
	}
	return out, nil
}

// moderationEntries reads the whole moderation log of a community, newest
// first: every live role, hide and tombstone of it, with a read of each
// tombstone's target.
func (n *Node) moderationEntries(ctx context.Context, community protocol.ID, m *protocol.Membership) ([]api.ModerationEntry, error) {
	moderates := m.Moderated
	items := []api.ModerationEntry{}
	// add appends an entry for record e, with the reason it gives, and
	// returns it, to be completed before the next add. A hide is listed
	// once, though the reads below may meet it twice: live in one, and
	// deleted in the next (a moderator showed the record again between).
	listed := make(map[protocol.ID]bool)
	var spare api.ModerationEntry
	add := func(e store.Entry, action string) *api.ModerationEntry {
		if listed[e.Record.ID()] {
			return &spare
		}
		listed[e.Record.ID()] = true
		h := e.Record.Header
		items = append(items, api.ModerationEntry{ID: e.Record.ID(), By: h.Author, At: h.Created, Action: action, Reason: reasonOf(e.Record)})
		return &items[len(items)-1]
	}
	// on sets what an entry acted on: the record, and what it was for
	// people (its title or the start of its text, else its kind: a
	// deleted record keeps only its header).
	on := func(it *api.ModerationEntry, id protocol.ID) {
		it.Target = &id
		if t, err := n.store.Get(ctx, id); err == nil {
			if it.Title = hiddenTitle(t.Record); it.Title == "" {
				it.Title = aOrAn(t.Record.Header.Kind)
			}
		}
	}
	err := n.liveOfKind(ctx, community, protocol.KindRole, func(e store.Entry) bool {
		b, ok := e.Record.Content().(*protocol.Role)
		if !ok || !moderates(e.Record) {
			return true // without effect: the rules take roles from moderators only
		}
		it := add(e, roleNames[b.Action])
		if b.Action == protocol.RoleRevokeInvite {
			target := e.Record.Header.Target
			it.Target = &target
		} else {
			member := b.Member
			it.Member = &member
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	err = n.liveOfKind(ctx, community, protocol.KindHide, func(e store.Entry) bool {
		if moderates(e.Record) { // else without effect
			on(add(e, "hide"), e.Record.Header.Target)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	err = n.liveOfKind(ctx, community, protocol.KindTombstone, func(e store.Entry) bool {
		target := e.Record.Header.Target
		t, err := n.store.Get(ctx, target)
		if err != nil {
			return true
		}
		switch {
		case t.Record.Header.Kind == protocol.KindHide:
			// A hide deleted by a moderator: the record shown again. The
			// hide is no longer live, so it is listed from here, with its
			// reason (the store keeps a deleted hide's body). A hide that
			// never took effect was not undone; a deletion by someone not
			// moderating leaves the hide in force (listed above).
			if moderates(t.Record) && moderates(e.Record) {
				on(add(e, "unhide"), t.Record.Header.Target)
				on(add(t, "hide"), t.Record.Header.Target)
			}
		case t.Record.Header.Author != e.Record.Header.Author && moderates(e.Record):
			// A deleted record's title went with its body: only its kind
			// is said.
			on(add(e, "delete"), target)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(items, func(a, b api.ModerationEntry) int { return cmp.Compare(b.At, a.At) })
	return items, nil
}

// moderationLogs keeps the moderation log last read of a few communities
// with the store's digest of the community then: the about page shows
// it at every view and live refresh, and reading it scans every
// deletion of the community. Any new record changes the digest.
type moderationLogs struct {
	mu   sync.Mutex
	logs map[protocol.ID]moderationLogAt
}

type moderationLogAt struct {
	digest string
	items  []api.ModerationEntry
}

// moderationLogsKept bounds the communities whose log is kept.
const moderationLogsKept = 16

// get returns the log of community from the cache if its digest has not
// changed, else from read, and keeps it.
func (l *moderationLogs) get(s *store.Store, community protocol.ID, read func() ([]api.ModerationEntry, error)) ([]api.ModerationEntry, error) {
	fp, count := s.Fingerprint(community, protocol.Position{}, protocol.MaxPosition)
	digest := fmt.Sprint(fp, count)
	l.mu.Lock()
	kept, ok := l.logs[community]
	l.mu.Unlock()
	if ok && kept.digest == digest {
		return kept.items, nil
	}
	items, err := read()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.logs == nil {
		l.logs = make(map[protocol.ID]moderationLogAt)
	}
	if len(l.logs) >= moderationLogsKept {
		for c := range l.logs { // any one: the map is small
			delete(l.logs, c)
			break
		}
	}
	l.logs[community] = moderationLogAt{digest, items}
	return items, nil
}

// forget drops the log kept of a community this node forgot.
func (l *moderationLogs) forget(c protocol.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.logs, c)
}

// reasonOf is the reason a moderation record gives (a role change, a
// hide, a deletion), or "" (none given, or its body purged).
func reasonOf(r *protocol.Record) string {
	switch b := r.Content().(type) {
	case *protocol.Role:
		return b.Reason
	case *protocol.Hide:
		return b.Reason
	case *protocol.Tombstone:
		return b.Reason
	}
	return ""
}
