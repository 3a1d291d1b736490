package protocol

import (
	"cmp"
	"slices"
	"sort"
)

// Position orders the records of a community: by created time, ties by
// lowest ID. Every rule that depends on "what happened before" uses this
// order, so every node applies the same records in the same sequence,
// whatever order they arrived in.
type Position struct {
	Created int64
	ID      ID
}

// PositionOf returns r's place in its community's order.
func PositionOf(r *Record) Position { return Position{r.Header.Created, r.id} }

// Compare orders positions: -1, 0 or +1.
func (p Position) Compare(q Position) int {
	if c := cmp.Compare(p.Created, q.Created); c != 0 {
		return c
	}
	return p.ID.Compare(q.ID)
}

// Standing is a member's place in a community at some moment.
type Standing uint8

// Standings, from nothing to founder.
const (
	StandingNone      Standing = iota // never admitted
	StandingRemoved                   // admitted once, removed since (or removed pre-emptively)
	StandingMember                    // admitted
	StandingModerator                 // admitted, may invite, moderate and change roles
	StandingFounder                   // the genesis author: a moderator who cannot be removed
)

var standingNames = [...]string{"none", "removed", "member", "moderator", "founder"}

// String returns the standing's lowercase name.
func (s Standing) String() string {
	if int(s) < len(standingNames) {
		return standingNames[s]
	}
	return "unknown"
}

// MarshalText encodes the standing by name.
func (s Standing) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Admitted reports whether records written in this standing are accepted.
func (s Standing) Admitted() bool { return s >= StandingMember }

// Moderates reports whether this standing may invite, moderate and change roles.
func (s Standing) Moderates() bool { return s >= StandingModerator }

// transition is one change to a member's standing, by a role or join record.
type transition struct {
	pos    Position
	action RoleAction // a join is recorded as RoleAdmit
	by     ID
	author PublicKey // of the record by
	join   bool      // by is a join, not a role record
}

// apply folds one transition into a standing. Moderator and Remove set the
// standing outright; Admit only raises a non-member; Revoke only lowers a
// moderator.
func (t transition) apply(s Standing) Standing {
	switch t.action {
	case RoleModerator:
		return StandingModerator
	case RoleRemove:
		return StandingRemoved
	case RoleAdmit:
		if !s.Admitted() {
			return StandingMember
		}
	case RoleRevoke:
		if s == StandingModerator {
			return StandingMember
		}
	}
	return s
}

// history is one member's transitions in order with the standing after each.
type history struct {
	steps  []transition
	states []Standing
}

func (h *history) add(t transition) {
	i := sort.Search(len(h.steps), func(i int) bool { return h.steps[i].pos.Compare(t.pos) > 0 })
	h.steps = slices.Insert(h.steps, i, t)
	h.states = slices.Insert(h.states, i, StandingNone)
	for j := i; j < len(h.steps); j++ {
		prev := StandingNone
		if j > 0 {
			prev = h.states[j-1]
		}
		h.states[j] = h.steps[j].apply(prev)
	}
}

// before returns how many of h's transitions come strictly before p.
func (h *history) before(p Position) int {
	return sort.Search(len(h.steps), func(i int) bool { return h.steps[i].pos.Compare(p) >= 0 })
}

// at returns the standing after every transition strictly before p.
func (h *history) at(p Position) Standing {
	i := h.before(p)
	if i == 0 {
		return StandingNone
	}
	return h.states[i-1]
}

// Membership is who belongs to a community and with which standing, at any
// position of its order. It is a pure function of the community's control
// records (genesis, roles, invites, joins) and is computed by
// ResolveMembership.
type Membership struct {
	Community ID
	Genesis   *Community // nil while the genesis record is missing
	Founder   PublicKey
	Created   int64

	members map[PublicKey]*history
	// joins records which join record admitted each member and through
	// which invite, for the member list.
	admittedBy map[PublicKey]ID
	// Invites are the invites in force (signed by a moderator), by ID.
	Invites map[ID]*InviteState
	// Effective holds the IDs of control records that changed a standing.
	Effective map[ID]bool
}

// InviteState is an invite signed by a moderator and how often it was used.
type InviteState struct {
	ID      ID
	Author  PublicKey
	Created int64
	Invite  Invite
	Used    []ID      // joins admitted through it, in order
	Revoked *Position // where a moderator withdrew it, if one did
}

// ResolveMembership computes a community's membership from its control
// records. Records of other kinds or communities are ignored, so callers
// may pass a whole set.
//
// It runs in three steps, each over records in Position order, because of
// how the rules depend on each other: a role record takes effect only if
// its author is a moderator just before it, and only role records make or
// unmake moderators, so the roles alone decide moderation; an invite is in
// force if its author moderates at its position; a join is effective if its
// author was not removed before it and either the community is open or the
// join uses an invite in force, before the invite expires, within its uses.
// The invite may be ordered after the join (the joiner's clock may lag):
// only its signature matters, not its position.
func ResolveMembership(community ID, records []*Record) *Membership {
	m := &Membership{
		Community:  community,
		members:    make(map[PublicKey]*history),
		admittedBy: make(map[PublicKey]ID),
		Invites:    make(map[ID]*InviteState),
		Effective:  make(map[ID]bool),
	}
	var roles, invites, joins []*Record
	for _, r := range records {
		if r.Community() != community {
			continue
		}
		switch r.Header.Kind {
		case KindCommunity:
			// Only the genesis itself has this community as its own ID. Its
			// body is nil only if purged, and then the policy is unknown:
			// the community is treated as invite-only, the safe choice.
			m.Genesis, _ = r.Content().(*Community)
			m.Founder, m.Created = r.Header.Author, r.Header.Created
			m.Effective[r.id] = true
		case KindRole:
			roles = append(roles, r)
		case KindInvite:
			invites = append(invites, r)
		case KindJoin:
			joins = append(joins, r)
		}
	}
	if m.Founder.IsZero() {
		// Without the genesis nobody is admitted: there is no founder to
		// start from and no join policy.
		return m
	}
	sortByPosition(roles)
	var revocations []*Record
	for _, r := range roles {
		role, ok := r.Content().(*Role)
		if !ok || !m.Moderated(r) {
			continue
		}
		if role.Action == RoleRevokeInvite {
			revocations = append(revocations, r)
			continue
		}
		if role.Member == m.Founder {
			continue
		}
		m.history(role.Member).add(transition{PositionOf(r), role.Action, r.id, r.Header.Author, false})
		m.Effective[r.id] = true
	}
	for _, r := range invites {
		inv, ok := r.Content().(*Invite)
		if !ok || !m.Moderated(r) {
			continue
		}
		m.Invites[r.id] = &InviteState{ID: r.id, Author: r.Header.Author, Created: r.Header.Created, Invite: *inv}
		m.Effective[r.id] = true
	}
	for _, r := range revocations { // in order: the first revocation of an invite counts
		if inv := m.Invites[r.Header.Target]; inv != nil && inv.Revoked == nil {
			pos := PositionOf(r)
			inv.Revoked = &pos
			m.Effective[r.id] = true
		}
	}
	sortByPosition(joins)
	for _, r := range joins {
		author, pos := r.Header.Author, PositionOf(r)
		if author == m.Founder || m.StandingAt(author, pos) != StandingNone {
			continue // already admitted (nothing to do) or removed (a join cannot undo that)
		}
		var inv *InviteState
		if m.Genesis == nil || m.Genesis.Policy != JoinOpen {
			inv = m.usableInvite(r)
			if inv == nil {
				continue
			}
			inv.Used = append(inv.Used, r.id)
		}
		m.history(author).add(transition{pos, RoleAdmit, r.id, author, true})
		m.admittedBy[author] = r.id
		m.Effective[r.id] = true
	}
	return m
}

// usableInvite returns the invite a join uses if it admits the joiner now.
// The join's proof was checked by Validate; here the key must match the
// invite in force, and the invite must not be expired or used up.
func (m *Membership) usableInvite(r *Record) *InviteState {
	j, ok := r.Content().(*Join)
	if !ok || r.Header.Target.IsZero() {
		return nil
	}
	inv := m.Invites[r.Header.Target]
	if inv == nil || inv.Invite.Key != j.InviteKey || r.Header.Created > inv.Invite.Expires ||
		uint32(len(inv.Used)) >= inv.Invite.MaxUses {
		return nil
	}
	if inv.Revoked != nil && PositionOf(r).Compare(*inv.Revoked) > 0 {
		return nil // a join after the invite was withdrawn
	}
	return inv
}

func (m *Membership) history(k PublicKey) *history {
	h := m.members[k]
	if h == nil {
		h = new(history)
		m.members[k] = h
	}
	return h
}

// Moderated reports whether r's author was a moderator (or the founder)
// when writing r: the rules take roles, invites, deletions of others'
// records, hides and accepts only from them, and a moderator demoted
// since stays accountable for what they did then.
func (m *Membership) Moderated(r *Record) bool {
	return m.StandingAt(r.Header.Author, PositionOf(r)).Moderates()
}

// StandingAt returns k's standing just before position p.
func (m *Membership) StandingAt(k PublicKey, p Position) Standing {
	if k == m.Founder && !m.Founder.IsZero() {
		return StandingFounder
	}
	if h := m.members[k]; h != nil {
		return h.at(p)
	}
	return StandingNone
}

// latest returns the standing after all of h's transitions.
func (h *history) latest() Standing {
	if len(h.states) == 0 {
		return StandingNone
	}
	return h.states[len(h.states)-1]
}

// Standing returns k's standing now, after every control record.
func (m *Membership) Standing(k PublicKey) Standing {
	if k == m.Founder && !m.Founder.IsZero() {
		return StandingFounder
	}
	if h := m.members[k]; h != nil {
		return h.latest()
	}
	return StandingNone
}

// WasRemoved reports whether k stood removed at some time (and may stand
// so still): the records k wrote then are refused for good.
func (m *Membership) WasRemoved(k PublicKey) bool {
	if h := m.members[k]; h != nil {
		return slices.Contains(h.states, StandingRemoved)
	}
	return false
}

// Status says whether the record r is accepted under this membership.
//
// An author's records are accepted while the author is admitted. Records
// written before the author's first admission are accepted once it
// arrives (a member's clocks may disagree, and a post may be written
// offline before the join reaches anyone); records written after a removal
// are refused, until a moderator admits the member again.
func (m *Membership) Status(r *Record) Status {
	if r.Community() != m.Community {
		return StatusForeign
	}
	if r.Header.Kind == KindCommunity {
		if r.id == m.Community {
			return StatusAccepted
		}
		return StatusForeign
	}
	if m.Founder.IsZero() {
		return StatusPending
	}
	author := r.Header.Author
	if author == m.Founder {
		return StatusAccepted
	}
	h := m.members[author]
	if h == nil || len(h.steps) == 0 {
		return StatusPending
	}
	// Before the author's first transition, judge by the first one.
	s := h.states[0]
	if i := h.before(PositionOf(r)); i > 0 {
		s = h.states[i-1]
	}
	switch {
	case s.Admitted():
		return StatusAccepted
	case s == StandingRemoved:
		return StatusRemoved
	}
	return StatusPending
}

// AdmittedBy returns the join that admitted k (the genesis for the
// founder); zero if none did, or a role did.
func (m *Membership) AdmittedBy(k PublicKey) ID {
	if k == m.Founder && !m.Founder.IsZero() {
		return m.Community
	}
	return m.admittedBy[k]
}

// Removal returns the records that prove k's removal: the role record
// that removed k, then the one that made its author a moderator, and so
// on back to a moderator the founder made; then every other role record
// in effect here. The chain alone, with the genesis, makes any node find
// k removed; the rest undoes what a node that missed some of them may
// hold besides (a role record of a moderator removed since, which it
// sees in effect). A removed member's node, which members' nodes no
// longer sync with, is sent them so that it learns why. Nil unless k
// stands removed now.
func (m *Membership) Removal(k PublicKey) []ID {
	h := m.members[k]
	if h == nil || h.latest() != StandingRemoved {
		return nil
	}
	// The last removal: a revoke after it changes nothing.
	i := len(h.steps) - 1
	for h.steps[i].action != RoleRemove {
		i--
	}
	proof := m.chain(h.steps[i])
	in := make(map[ID]bool, len(proof))
	for _, id := range proof {
		in[id] = true
	}
	var rest []transition
	for _, h := range m.members {
		for _, t := range h.steps {
			if !t.join && !in[t.by] {
				in[t.by] = true
				rest = append(rest, t)
			}
		}
	}
	slices.SortFunc(rest, func(a, b transition) int { return a.pos.Compare(b.pos) })
	for _, t := range rest {
		proof = append(proof, t.by)
	}
	return proof
}

// chain returns the record of role transition t, then the one that made
// its author a moderator, and so on back to a moderator the founder made:
// with the genesis, what makes any node see t take effect.
func (m *Membership) chain(t transition) []ID {
	proof := []ID{t.by}
	// Positions fall strictly along the chain, so it ends; each author
	// moderated just before their record, or it would have no effect.
	for by, at := t.author, t.pos; by != m.Founder; {
		g := m.members[by].grant(at)
		if g == nil {
			break // cannot be: the record took effect
		}
		proof = append(proof, g.by)
		by, at = g.author, g.pos
	}
	return proof
}

// Admission returns the records that make k a member now when a role
// record, not a join, admitted k (a moderator's admit of a member whose
// join was refused, or a grant): that record, then the one that made its
// author a moderator, and so on back to a moderator the founder made. A
// node that missed them takes k for a stranger; k's node hands them over
// to introduce itself, as a member admitted by a join hands over its
// join. Nil unless k is admitted now, by a role record.
func (m *Membership) Admission(k PublicKey) []ID {
	h := m.members[k]
	if h == nil || !h.latest().Admitted() || k == m.Founder {
		return nil
	}
	// The transition that last took k from outside to admitted.
	i := len(h.steps) - 1
	for i > 0 && h.states[i-1].Admitted() {
		i--
	}
	if h.steps[i].join {
		return nil
	}
	return m.chain(h.steps[i])
}

// LastChange returns the record (a role record or a join) that made k's
// standing what it is now; zero if none did (k never admitted, or the
// founder).
func (m *Membership) LastChange(k PublicKey) ID {
	h := m.members[k]
	if h == nil || len(h.steps) == 0 || k == m.Founder {
		return ID{}
	}
	return h.steps[len(h.steps)-1].by
}

// grant returns the transition that made the member a moderator in force
// just before p, nil if they did not moderate then.
func (h *history) grant(p Position) *transition {
	if h == nil {
		return nil
	}
	i := h.before(p)
	if i == 0 || !h.states[i-1].Moderates() {
		return nil
	}
	for j := i - 1; j >= 0; j-- {
		if h.steps[j].action == RoleModerator {
			return &h.steps[j]
		}
	}
	return nil
}

// Members lists every key with a standing other than none, founder first,
// then by key.
func (m *Membership) Members() []Member {
	var out []Member
	if !m.Founder.IsZero() {
		out = append(out, Member{Key: m.Founder, Standing: StandingFounder, AdmittedBy: m.Community})
	}
	keys := make([]PublicKey, 0, len(m.members))
	for k := range m.members {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, PublicKey.Compare)
	for _, k := range keys {
		if s := m.Standing(k); s != StandingNone {
			out = append(out, Member{Key: k, Standing: s, AdmittedBy: m.AdmittedBy(k)})
		}
	}
	return out
}

// Member is one entry of a community's member list.
type Member struct {
	Key        PublicKey
	Standing   Standing
	AdmittedBy ID // the join that admitted them; zero if a role admitted them
}

// Status is where a record stands in its community.
type Status uint8

// Record statuses.
const (
	StatusAccepted Status = iota + 1 // author admitted: shown, counted and forwarded
	StatusPending                    // author not (yet) admitted: kept aside, re-checked as control records arrive
	StatusRemoved                    // written after its author's removal: not accepted
	StatusForeign                    // belongs to another community
)

var statusNames = [...]string{"", "accepted", "pending", "removed", "foreign"}

// String returns the status's lowercase name.
func (s Status) String() string {
	if int(s) < len(statusNames) && s != 0 {
		return statusNames[s]
	}
	return "unknown"
}

// MarshalText encodes the status by name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func sortByPosition(rs []*Record) {
	slices.SortFunc(rs, func(a, b *Record) int { return PositionOf(a).Compare(PositionOf(b)) })
}

// ChangedFrom compares m with an earlier membership of the same community
// and says whose records may now have another status or effect: every
// author (all) when the genesis changed, else the members whose standing
// history differs. A store re-evaluates those authors' objects.
func (m *Membership) ChangedFrom(old *Membership) (all bool, authors []PublicKey) {
	if old == nil || old.Founder != m.Founder || (old.Genesis == nil) != (m.Genesis == nil) ||
		(m.Genesis != nil && old.Genesis.Policy != m.Genesis.Policy) {
		return true, nil
	}
	for k, h := range m.members {
		if o := old.members[k]; o == nil || !slices.Equal(o.steps, h.steps) {
			authors = append(authors, k)
		}
	}
	for k := range old.members {
		if m.members[k] == nil {
			authors = append(authors, k)
		}
	}
	slices.SortFunc(authors, PublicKey.Compare)
	return false, authors
}
