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

// Moderation and deletion: roles, removals, tombstones and hiding. Every
// node applies the same rules to these records; the checks here only say
// no before signing a record every node would refuse.

var roleActions = map[string]protocol.RoleAction{
	"moderator": protocol.RoleModerator, "revoke": protocol.RoleRevoke,
	"admit": protocol.RoleAdmit, "remove": protocol.RoleRemove,
}

// SetRole implements api.Backend: a moderator makes a member a moderator,
// revokes that, admits someone, or removes a member.
func (n *Node) SetRole(ctx context.Context, community protocol.ID, req api.RoleRequest) (protocol.ID, error) {
	action, ok := roleActions[strings.ToLower(req.Action)]
	if !ok {
		return protocol.ID{}, fmt.Errorf("%w: action %q: want moderator, revoke, admit or remove", api.ErrBadRequest, req.Action)
	}
	m, err := n.member(community)
	if err != nil {
		return protocol.ID{}, err
	}
	if !m.Standing(n.id.MemberKey()).Moderates() {
		return protocol.ID{}, fmt.Errorf("%w: only a moderator may change roles", api.ErrForbidden)
	}
	if req.Member == m.Founder {
		return protocol.ID{}, fmt.Errorf("%w: the founder's role cannot be changed", api.ErrForbidden)
	}
	if req.Member == n.id.MemberKey() && action == protocol.RoleRemove {
		// Only another moderator could undo it; a key prefix that
		// happens to be one's own makes it an easy slip.
		return protocol.ID{}, fmt.Errorf("%w: that is you: a moderator cannot remove themselves (to step down as a moderator: kith member revoke)", api.ErrBadRequest)
	}
	if why := roleChangesNothing(action, m.Standing(req.Member)); why != "" {
		return protocol.ID{}, fmt.Errorf("%w: %s %s", api.ErrBadRequest, req.Member, why)
	}
	r, err := n.publish(ctx, community, protocol.Refs{}, &protocol.Role{Member: req.Member, Action: action, Reason: req.Reason})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// roleChangesNothing says why a role action on someone of standing st
// would be a mistake ("" if it is not): a record that changes nothing, or
// a moderator's role for a key that never joined (a typo would make a
// stranger's key a moderator). Removing a key never admitted is allowed:
// it keeps that key out before it joins.
func roleChangesNothing(action protocol.RoleAction, st protocol.Standing) string {
	switch {
	case action == protocol.RoleModerator && st == protocol.StandingModerator:
		return "is a moderator already"
	case action == protocol.RoleModerator && !st.Admitted():
		return "is not a member (" + st.String() + "): admit them first (kith member admit), then make them a moderator"
	case action == protocol.RoleRevoke && st != protocol.StandingModerator:
		return "is not a moderator (" + st.String() + "): there is no role to revoke"
	case action == protocol.RoleAdmit && st.Admitted():
		return "is a member already (" + st.String() + ")"
	case action == protocol.RoleRemove && st == protocol.StandingRemoved:
		return "is removed already"
	}
	return ""
}

// RevokeInvite implements api.Backend: a moderator withdraws an invite;
// joins made with it afterwards admit no one, on every node.
func (n *Node) RevokeInvite(ctx context.Context, community, invite protocol.ID) (protocol.ID, error) {
	m, err := n.member(community)
	if err != nil {
		return protocol.ID{}, err
	}
	if !m.Standing(n.id.MemberKey()).Moderates() {
		return protocol.ID{}, fmt.Errorf("%w: only a moderator may revoke an invite", api.ErrForbidden)
	}
	inv := m.Invites[invite]
	if inv == nil {
		return protocol.ID{}, fmt.Errorf("%w: no invite %s in force in this community", api.ErrNotFound, invite)
	}
	if inv.Revoked != nil {
		return protocol.ID{}, fmt.Errorf("%w: invite %s is revoked already", api.ErrBadRequest, invite)
	}
	r, err := n.publish(ctx, community, protocol.Refs{Target: invite}, &protocol.Role{Action: protocol.RoleRevokeInvite})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// Delete implements api.Backend: a tombstone for a record by its author or
// a moderator. Every honest node then purges the record's body from its
// disk; its header stays, so the deletion itself is verifiable. The id of
// an edit deletes that version alone (the one before it is shown again),
// as a note revision's does; a post's, reply's or event's own id deletes
// it with every edit.
func (n *Node) Delete(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	e, err := n.record(ctx, id, "record")
	if err != nil {
		return protocol.ID{}, err
	}
	if e.Meta.Deleted {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: record %s was deleted", api.ErrNotFound, id))
	}
	community := e.Record.Community()
	m, err := n.member(community)
	if err != nil {
		return protocol.ID{}, err
	}
	if kind := e.Record.Header.Kind; kind.Control() || kind == protocol.KindTombstone {
		return protocol.ID{}, fmt.Errorf("%w: a %s cannot be deleted (membership records and deletions are final)", api.ErrBadRequest, kind)
	}
	me := n.id.MemberKey()
	if e.Record.Header.Kind == protocol.KindHide && !m.Standing(me).Moderates() {
		return protocol.ID{}, fmt.Errorf("%w: only a moderator may show a hidden record again (deleting a hide does)", api.ErrForbidden)
	}
	if e.Record.Header.Author != me && !m.Standing(me).Moderates() {
		return protocol.ID{}, fmt.Errorf("%w: only its author or a moderator may delete it", api.ErrForbidden)
	}
	if h := e.Record.Header; h.Kind == protocol.KindNote && h.Root.IsZero() && !req.WholeNote {
		if err := n.othersRevisions(ctx, e); err != nil {
			return protocol.ID{}, err
		}
	}
	r, err := n.publish(ctx, community, protocol.Refs{Target: e.Record.ID()}, &protocol.Tombstone{Reason: req.Reason})
	if err != nil {
		return protocol.ID{}, err
	}
	if h := e.Record.Header; h.Kind == protocol.KindReact && h.Author == me {
		if err := n.takeBackCopies(ctx, e); err != nil {
			return r.ID(), err
		}
	}
	return r.ID(), nil
}

// takeBackCopies deletes the member's other reactions of the same kind to
// the same record: two devices offline can each write one, and taking
// the reaction back (a pressed button) must take it back, not leave it
// pressed by the copy.
func (n *Node) takeBackCopies(ctx context.Context, taken store.Entry) error {
	react, ok := taken.Record.Content().(*protocol.React)
	if !ok {
		return nil
	}
	community, target := taken.Record.Community(), taken.Record.Header.Target
	for range maxReactionCopies {
		given, err := n.store.ReactionsOf(ctx, community, n.id.MemberKey(), []protocol.ID{target})
		if err != nil {
			return fmt.Errorf("the reaction's copies: %w", err)
		}
		copyID, ok := given[target][react.Reaction]
		if !ok {
			return nil
		}
		if _, err := n.publish(ctx, community, protocol.Refs{Target: copyID}, &protocol.Tombstone{}); err != nil {
			return fmt.Errorf("delete a copy of the reaction: %w", err)
		}
	}
	return nil
}

// maxReactionCopies bounds takeBackCopies: one copy a device.
const maxReactionCopies = 16

// moderated returns the record id names (the original of an edit) once
// this node's member may moderate its community, for a moderator's
// action ("hide a record") that its error names otherwise.
func (n *Node) moderated(ctx context.Context, id protocol.ID, action string) (store.Entry, error) {
	e, err := n.original(ctx, id, "record")
	if err != nil {
		return store.Entry{}, err
	}
	m, err := n.member(e.Record.Community())
	if err != nil {
		return store.Entry{}, err
	}
	if !m.Standing(n.id.MemberKey()).Moderates() {
		return store.Entry{}, fmt.Errorf("%w: only a moderator may %s", api.ErrForbidden, action)
	}
	return e, nil
}

// othersRevisions refuses to delete a note's first revision, which every
// node applies to the whole note, while other members wrote revisions of
// it: a note is written by anyone, and its first author deleting "their
// text" must not erase everyone's without saying so
// (ModerationRequest.WholeNote confirms it).
func (n *Node) othersRevisions(ctx context.Context, first store.Entry) error {
	d, err := n.store.Note(ctx, first.Record.Community(), first.Record.ID())
	if errors.Is(err, store.ErrNotFound) {
		return nil // no revision shown: nothing of others' to lose
	}
	if err != nil {
		return err
	}
	others := 0
	for _, rev := range d.History {
		if rev.Record.Header.Author != first.Record.Header.Author {
			others++
		}
	}
	if others == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s is the first revision of note %q, and deleting it deletes the whole note, of whose %d revisions others wrote %d: "+
		"to delete the whole note, confirm it (kith post delete ID --whole-note); to take your text out, write a new revision (kith note edit)",
		api.ErrBadRequest, first.Record.ID(), d.View.Title, len(d.History), others)
}

// Hide implements api.Backend: a moderator hides a record from view (it
// stays on disk, unlike a deletion).
func (n *Node) Hide(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	e, err := n.moderated(ctx, id, "hide a record")
	if err != nil {
		return protocol.ID{}, err
	}
	community := e.Record.Community()
	if kind := e.Record.Header.Kind; kind.Control() || kind == protocol.KindTombstone || kind == protocol.KindHide {
		return protocol.ID{}, fmt.Errorf("%w: a %s cannot be hidden", api.ErrBadRequest, kind)
	}
	if e.Meta.Hidden {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: %s is hidden already", api.ErrBadRequest, id))
	}
	r, err := n.publish(ctx, community, protocol.Refs{Target: e.Record.ID()}, &protocol.Hide{Reason: req.Reason})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}
