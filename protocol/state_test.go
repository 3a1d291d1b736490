package protocol

import (
	"crypto/ed25519"
	"slices"
	"testing"
	"time"
)

// world builds one community's records for rule tests, with a clock that
// advances one second per record unless told otherwise.
type world struct {
	t       *testing.T
	id      ID
	clock   time.Time
	records []*Record
}

func newWorld(t *testing.T, founder ed25519.PrivateKey, policy JoinPolicy) *world {
	w := &world{t: t, clock: testNow}
	g := w.add(founder, Refs{}, &Community{Name: "Practice", Policy: policy})
	w.id = g.ID()
	return w
}

func (w *world) add(key ed25519.PrivateKey, refs Refs, body Body) *Record {
	w.t.Helper()
	w.clock = w.clock.Add(time.Second)
	r := sign(w.t, key, w.id, w.clock, refs, body)
	w.records = append(w.records, r)
	return r
}

func (w *world) invite(mod ed25519.PrivateKey, uses uint32, ttl time.Duration) (*Record, ed25519.PrivateKey) {
	invKey := testKey("invite " + w.clock.String())
	r := w.add(mod, Refs{}, &Invite{Key: PublicKeyOf(invKey), Expires: w.clock.Add(time.Second + ttl).UnixMilli(), MaxUses: uses})
	return r, invKey
}

func (w *world) join(member ed25519.PrivateKey, inv *Record, invKey ed25519.PrivateKey) *Record {
	if inv == nil {
		return w.add(member, Refs{}, &Join{})
	}
	return w.add(member, Refs{Target: inv.ID()}, &Join{InviteKey: PublicKeyOf(invKey), InviteProof: InviteProof(invKey, w.id, PublicKeyOf(member))})
}

func (w *world) role(mod, member ed25519.PrivateKey, action RoleAction) *Record {
	return w.add(mod, Refs{}, &Role{Member: PublicKeyOf(member), Action: action})
}

func (w *world) post(author ed25519.PrivateKey, title string) *Record {
	return w.add(author, Refs{}, &Post{Type: PostQuestion, Title: title})
}

func (w *world) state() *State { return Evaluate(w.id, w.records) }

func wantStatus(t *testing.T, s *State, r *Record, want Status) {
	t.Helper()
	if got := s.Status[r.ID()]; got != want {
		t.Errorf("record %s (%s): status %s, want %s", r.ID().String()[:8], r.Header.Kind, got, want)
	}
}

var (
	founder = testKey("founder")
	alice   = testKey("alice")
	bob     = testKey("bob")
	carol   = testKey("carol")
)

func TestOpenCommunityJoin(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	early := w.post(alice, "written before joining")
	stranger := w.post(bob, "never joined")
	w.join(alice, nil, nil)
	s := w.state()
	wantStatus(t, s, early, StatusAccepted)
	wantStatus(t, s, stranger, StatusPending)
	if got := s.Membership.Standing(PublicKeyOf(alice)); got != StandingMember {
		t.Errorf("alice: %s, want member", got)
	}
}

func TestInviteOnlyAdmission(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	inv, invKey := w.invite(founder, 2, time.Hour)
	noInvite := w.join(carol, nil, nil)
	aliceJoin := w.join(alice, inv, invKey)
	bobJoin := w.join(bob, inv, invKey)
	carolJoin := w.join(carol, inv, invKey) // third use of a two-use invite
	carolPost := w.post(carol, "let me in")
	s := w.state()
	for _, r := range []*Record{aliceJoin, bobJoin} {
		if !s.Membership.Effective[r.ID()] {
			t.Errorf("join %s not effective", r.ID())
		}
	}
	if s.Membership.Effective[carolJoin.ID()] || s.Membership.Effective[noInvite.ID()] {
		t.Error("a join beyond the invite's uses, or without invite, admitted carol")
	}
	wantStatus(t, s, carolPost, StatusPending)

	// A moderator's role grant admits carol, and her earlier post with her.
	w.role(founder, carol, RoleAdmit)
	wantStatus(t, w.state(), carolPost, StatusAccepted)
}

func TestInviteRules(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	w.join(alice, nil, nil)
	byMember, byMemberKey := w.invite(alice, 5, time.Hour) // alice is no moderator
	expired, expiredKey := w.invite(founder, 5, time.Second)
	w.clock = w.clock.Add(time.Minute)
	j1 := w.join(bob, byMember, byMemberKey)
	j2 := w.join(carol, expired, expiredKey)
	s := w.state()
	if s.Membership.Effective[j1.ID()] {
		t.Error("an invite signed by a non-moderator admitted bob")
	}
	if s.Membership.Effective[j2.ID()] {
		t.Error("an expired invite admitted carol")
	}
	if _, ok := s.Membership.Invites[byMember.ID()]; ok {
		t.Error("a non-moderator's invite is in force")
	}
}

// TestInviteRevoked: a moderator withdraws an invite; a join through it
// before the revocation stands, one after does not, and a revocation by a
// non-moderator changes nothing.
func TestInviteRevoked(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	inv, invKey := w.invite(founder, 5, time.Hour)
	before := w.join(alice, inv, invKey)
	notMod := w.add(alice, Refs{Target: inv.ID()}, &Role{Action: RoleRevokeInvite})
	still := w.join(bob, inv, invKey)
	revoke := w.add(founder, Refs{Target: inv.ID()}, &Role{Action: RoleRevokeInvite, Reason: "posted publicly"})
	after := w.join(carol, inv, invKey)
	s := w.state()
	m := s.Membership
	if !m.Effective[before.ID()] || !m.Effective[still.ID()] {
		t.Error("joins before the revocation were undone")
	}
	if m.Effective[notMod.ID()] {
		t.Error("a non-moderator's revocation took effect")
	}
	if !m.Effective[revoke.ID()] || m.Invites[inv.ID()].Revoked == nil {
		t.Error("the moderator's revocation did not take effect")
	}
	if m.Effective[after.ID()] || m.Standing(PublicKeyOf(carol)).Admitted() {
		t.Error("a join after the revocation admitted carol")
	}
}

func TestInviteArrivingAfterJoinInOrder(t *testing.T) {
	// The joiner's clock lags: the join is ordered before the invite.
	w := newWorld(t, founder, JoinInvite)
	invKey := testKey("lagging invite")
	inv := w.add(founder, Refs{}, &Invite{Key: PublicKeyOf(invKey), Expires: w.clock.Add(time.Hour).UnixMilli(), MaxUses: 1})
	w.clock = w.clock.Add(-time.Minute)
	j := w.join(alice, inv, invKey)
	if !w.state().Membership.Effective[j.ID()] {
		t.Error("a join ordered before its invite was not admitted")
	}
}

func TestRemovalStopsNewerRecords(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	before := w.post(alice, "fine")
	w.role(founder, alice, RoleRemove)
	after := w.post(alice, "after removal")
	rejoin := w.join(alice, nil, nil)
	s := w.state()
	wantStatus(t, s, before, StatusAccepted)
	wantStatus(t, s, after, StatusRemoved)
	if s.Membership.Effective[rejoin.ID()] {
		t.Error("a removed member re-admitted herself by joining")
	}
	w.role(founder, alice, RoleAdmit)
	late := w.post(alice, "welcome back")
	s = w.state()
	wantStatus(t, s, after, StatusRemoved)
	wantStatus(t, s, late, StatusAccepted)
	// Admitted again, she was removed once: what she wrote then stays
	// refused, and her node lists it.
	if !s.Membership.WasRemoved(PublicKeyOf(alice)) || s.Membership.WasRemoved(PublicKeyOf(founder)) || s.Membership.WasRemoved(PublicKeyOf(bob)) {
		t.Error("WasRemoved: true for alice alone")
	}
}

func TestRolesNeedModerators(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	byMember := w.role(alice, bob, RoleModerator)
	againstFounder := w.role(alice, founder, RoleRemove)
	w.role(founder, alice, RoleModerator)
	byMod := w.role(alice, bob, RoleModerator)
	w.role(founder, alice, RoleRevoke)
	revoked := w.role(alice, bob, RoleRemove) // alice no longer moderates
	s := w.state()
	m := s.Membership
	if m.Effective[byMember.ID()] || m.Effective[againstFounder.ID()] || m.Effective[revoked.ID()] {
		t.Error("a role record by a non-moderator took effect")
	}
	if !m.Effective[byMod.ID()] {
		t.Error("a moderator's grant did not take effect")
	}
	if m.Standing(PublicKeyOf(bob)) != StandingModerator || m.Standing(PublicKeyOf(alice)) != StandingMember ||
		m.Standing(PublicKeyOf(founder)) != StandingFounder {
		t.Errorf("standings: founder %s alice %s bob %s", m.Standing(PublicKeyOf(founder)), m.Standing(PublicKeyOf(alice)), m.Standing(PublicKeyOf(bob)))
	}
	if got := len(m.Members()); got != 3 {
		t.Errorf("%d members, want 3", got)
	}
}

func TestTombstonesAndHides(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	p := w.post(alice, "q")
	q := w.post(alice, "q2")
	bobsTomb := w.add(bob, Refs{Target: p.ID()}, &Tombstone{})
	bobsHide := w.add(bob, Refs{Target: q.ID()}, &Hide{})
	s := w.state()
	if _, ok := s.Tombstoned[p.ID()]; ok {
		t.Error("bob deleted alice's post")
	}
	if _, ok := s.Hidden[q.ID()]; ok {
		t.Error("a non-moderator hid a post")
	}
	_ = bobsTomb
	_ = bobsHide
	own := w.add(alice, Refs{Target: p.ID()}, &Tombstone{})
	hide := w.add(founder, Refs{Target: q.ID()}, &Hide{Reason: "spam"})
	s = w.state()
	if s.Tombstoned[p.ID()] != own.ID() || s.Threads[p.ID()] != nil {
		t.Error("the author's own tombstone did not delete the post")
	}
	if s.Hidden[q.ID()] != hide.ID() || s.Threads[q.ID()] != nil {
		t.Error("the moderator's hide did not hide the post")
	}
	w.add(founder, Refs{Target: hide.ID()}, &Tombstone{Reason: "not spam after all"})
	if s = w.state(); s.Threads[q.ID()] == nil {
		t.Error("deleting the hide did not unhide the post")
	}
	// Control records cannot be deleted.
	g := w.records[0]
	w.add(founder, Refs{Target: g.ID()}, &Tombstone{})
	if _, ok := w.state().Tombstoned[g.ID()]; ok {
		t.Error("the genesis was tombstoned")
	}
}

// TestDemotedModeratorCannotUndoHides: deleting a hide shows the record
// again, which is moderation: the hide's own author, demoted since,
// cannot (it let a demoted moderator undo what the community kept out of
// view); a moderator can.
func TestDemotedModeratorCannotUndoHides(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	w.role(founder, bob, RoleModerator)
	q := w.post(alice, "q")
	hide := w.add(bob, Refs{Target: q.ID()}, &Hide{Reason: "off topic"})
	w.role(founder, bob, RoleRevoke)
	w.add(bob, Refs{Target: hide.ID()}, &Tombstone{})
	s := w.state()
	if _, ok := s.Tombstoned[hide.ID()]; ok || s.Hidden[q.ID()] != hide.ID() {
		t.Errorf("a demoted moderator undid their hide: tombstoned %v, hidden by %v", s.Tombstoned[hide.ID()], s.Hidden[q.ID()])
	}
	w.add(founder, Refs{Target: hide.ID()}, &Tombstone{})
	if s = w.state(); s.Threads[q.ID()] == nil {
		t.Error("a moderator's deletion of the hide did not show the post")
	}
}

func TestAcceptedAnswer(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	for _, k := range []ed25519.PrivateKey{alice, bob, carol} {
		w.join(k, nil, nil)
	}
	q := w.post(alice, "How?")
	r1 := w.add(bob, Refs{Root: q.ID()}, &Reply{Text: "Like this."})
	r2 := w.add(carol, Refs{Root: q.ID()}, &Reply{Text: "Or this."})
	w.add(bob, Refs{Root: q.ID(), Target: r1.ID()}, &Accept{}) // bob did not ask
	if got := w.state().Threads[q.ID()].Accepted; !got.IsZero() {
		t.Fatalf("an accept by someone other than the asker took effect: %s", got)
	}
	w.add(alice, Refs{Root: q.ID(), Target: r1.ID()}, &Accept{})
	if got := w.state().Threads[q.ID()].Accepted; got != r1.ID() {
		t.Fatalf("accepted %s, want r1", got)
	}
	w.add(founder, Refs{Root: q.ID(), Target: r2.ID()}, &Accept{}) // a moderator may re-decide
	th := w.state().Threads[q.ID()]
	if th.Accepted != r2.ID() || len(th.Replies) != 2 {
		t.Fatalf("accepted %s with %d replies, want r2 and 2", th.Accepted, len(th.Replies))
	}
}

func TestNoteHeads(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	n1 := w.add(alice, Refs{}, &Note{Title: "Runbook", Text: "v1"})
	n2 := w.add(alice, Refs{Root: n1.ID(), Parents: []ID{n1.ID()}}, &Note{Title: "Runbook", Text: "v2"})
	// Two members edit v2 while apart.
	a := w.add(alice, Refs{Root: n1.ID(), Parents: []ID{n2.ID()}}, &Note{Title: "Runbook", Text: "alice's"})
	b := w.add(bob, Refs{Root: n1.ID(), Parents: []ID{n2.ID()}}, &Note{Title: "Runbook", Text: "bob's"})
	n := w.state().Notes[n1.ID()]
	if len(n.Heads) != 2 || n.Current() != b.ID() || len(n.Revisions) != 4 {
		t.Fatalf("heads %v, want [bob alice]; %d revisions", n.Heads, len(n.Revisions))
	}
	// Deleting the newer head leaves the other; deleting both leaves v2
	// superseded (its descendants' links still count): no head resurrects.
	w.add(bob, Refs{Target: b.ID()}, &Tombstone{})
	if n = w.state().Notes[n1.ID()]; len(n.Heads) != 1 || n.Current() != a.ID() {
		t.Fatalf("after deleting bob's head: heads %v, want [alice's]", n.Heads)
	}
	m := w.add(bob, Refs{Root: n1.ID(), Parents: []ID{a.ID(), b.ID()}}, &Note{Title: "Runbook", Text: "merged"})
	if n = w.state().Notes[n1.ID()]; len(n.Heads) != 1 || n.Current() != m.ID() {
		t.Fatalf("after merge: heads %v, want [merge]", n.Heads)
	}
	// Equal times: the lowest id wins.
	x := sign(t, alice, w.id, w.clock.Add(time.Hour), Refs{Root: n1.ID(), Parents: []ID{m.ID()}}, &Note{Title: "Runbook", Text: "x"})
	y := sign(t, bob, w.id, w.clock.Add(time.Hour), Refs{Root: n1.ID(), Parents: []ID{m.ID()}}, &Note{Title: "Runbook", Text: "y"})
	w.records = append(w.records, x, y)
	want := x.ID()
	if y.ID().Compare(x.ID()) < 0 {
		want = y.ID()
	}
	if n = w.state().Notes[n1.ID()]; n.Current() != want {
		t.Fatalf("tie: current %s, want lowest id %s", n.Current(), want)
	}
}

func TestEditsReactionsProfilesRSVPs(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	p := w.post(alice, "Draft")
	edit := w.add(alice, Refs{Target: p.ID()}, &Post{Type: PostQuestion, Title: "Final"})
	w.add(bob, Refs{Target: p.ID()}, &Post{Type: PostQuestion, Title: "Vandalised"}) // not the author
	for range 2 {
		w.add(bob, Refs{Target: p.ID()}, &React{Reaction: ReactHelpful}) // counted once
	}
	w.add(alice, Refs{Target: p.ID()}, &React{Reaction: ReactHelpful})   // her own post: not counted
	w.add(founder, Refs{Target: p.ID()}, &React{Reaction: ReactHelpful}) // counted
	w.add(alice, Refs{}, &Profile{Name: "A"})
	prof := w.add(alice, Refs{}, &Profile{Name: "Alice"})
	ev := w.add(founder, Refs{}, &Event{Title: "Call", Start: testNow.Add(time.Hour).UnixMilli()})
	w.add(bob, Refs{Target: ev.ID()}, &RSVP{Answer: AnswerYes})
	w.add(bob, Refs{Target: ev.ID()}, &RSVP{Answer: AnswerNo})
	s := w.state()
	if s.Current[p.ID()] != edit.ID() || len(s.Edits[p.ID()]) != 1 {
		t.Errorf("current version %s, edits %d; want alice's edit only", s.Current[p.ID()], len(s.Edits[p.ID()]))
	}
	if got := s.Reacts[p.ID()].Helpful; got != 2 {
		t.Errorf("helpful = %d, want 2", got)
	}
	if s.Profiles[PublicKeyOf(alice)] != prof.ID() {
		t.Error("the newest profile does not win")
	}
	if got := s.Events[ev.ID()].RSVPs[PublicKeyOf(bob)]; got != AnswerNo {
		t.Errorf("bob's rsvp = %d, want no", got)
	}
}

func TestMembershipChangedFrom(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	before := ResolveMembership(w.id, w.records)
	if all, _ := before.ChangedFrom(nil); !all {
		t.Error("a first membership must report every author as changed")
	}
	inv, invKey := w.invite(founder, 5, time.Hour)
	w.join(alice, inv, invKey)
	w.post(bob, "not a control record")
	after := ResolveMembership(w.id, w.records)
	all, authors := after.ChangedFrom(before)
	if all || len(authors) != 1 || authors[0] != PublicKeyOf(alice) {
		t.Errorf("changed: all=%v authors=%v, want only alice", all, authors)
	}
	if all, authors := after.ChangedFrom(after); all || len(authors) != 0 {
		t.Errorf("no change reported as all=%v authors=%v", all, authors)
	}
}

// TestDeletionTakesEdits: deleting a post, reply or event deletes its
// author's edits of it (they hold the deleted text's successor); deleting
// a note's first revision deletes every revision; deleting one later
// revision deletes only it; someone else's "edit" is no edit and stays.
func TestDeletionTakesEdits(t *testing.T) {
	w := newWorld(t, founder, JoinOpen)
	w.join(alice, nil, nil)
	w.join(bob, nil, nil)
	p := w.post(alice, "secret plans")
	pEdit := w.add(alice, Refs{Target: p.ID()}, &Post{Type: PostQuestion, Title: "secret plans v2"})
	notHers := w.add(bob, Refs{Target: p.ID()}, &Post{Type: PostQuestion, Title: "bob's"})
	r := w.add(bob, Refs{Root: p.ID()}, &Reply{Text: "an answer"})
	rEdit := w.add(bob, Refs{Root: p.ID(), Target: r.ID()}, &Reply{Text: "a better answer"})
	ev := w.add(alice, Refs{}, &Event{Title: "call", Start: testNow.Add(time.Hour).UnixMilli()})
	evEdit := w.add(alice, Refs{Target: ev.ID()}, &Event{Title: "call, moved", Start: testNow.Add(2 * time.Hour).UnixMilli()})
	n1 := w.add(alice, Refs{}, &Note{Title: "n", Text: "v1"})
	n2 := w.add(bob, Refs{Root: n1.ID(), Parents: []ID{n1.ID()}}, &Note{Title: "n", Text: "v2"})
	n3 := w.add(alice, Refs{Root: n1.ID(), Parents: []ID{n2.ID()}}, &Note{Title: "n", Text: "v3"})
	m1 := w.add(alice, Refs{}, &Note{Title: "m", Text: "v1"})
	m2 := w.add(bob, Refs{Root: m1.ID(), Parents: []ID{m1.ID()}}, &Note{Title: "m", Text: "v2"})

	tp := w.add(alice, Refs{Target: p.ID()}, &Tombstone{})
	tr := w.add(bob, Refs{Target: r.ID()}, &Tombstone{})
	tev := w.add(alice, Refs{Target: ev.ID()}, &Tombstone{})
	tn := w.add(founder, Refs{Target: n1.ID()}, &Tombstone{})
	tm := w.add(bob, Refs{Target: m2.ID()}, &Tombstone{})
	s := w.state()
	for _, tc := range []struct {
		r, by *Record
	}{{pEdit, tp}, {rEdit, tr}, {evEdit, tev}, {n2, tn}, {n3, tn}, {m2, tm}} {
		if got, ok := s.Tombstoned[tc.r.ID()]; !ok || got != tc.by.ID() {
			t.Errorf("%s %s: deleted %v by %s, want by %s", tc.r.Header.Kind, tc.r.ID().String()[:8], ok, got.String()[:8], tc.by.ID().String()[:8])
		}
	}
	for _, r := range []*Record{notHers, m1} {
		if _, ok := s.Tombstoned[r.ID()]; ok {
			t.Errorf("%s %s deleted with another record", r.Header.Kind, r.ID().String()[:8])
		}
	}
}

// TestRemovalProof: the records Removal names are enough on their own,
// with the genesis, to find the member removed, through a chain of
// moderators each made by the one before; a member not removed has none.
func TestRemovalProof(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	genesis := w.records[0]
	inv, invKey := w.invite(founder, 5, time.Hour)
	w.join(carol, inv, invKey)
	makeAlice := w.role(founder, alice, RoleModerator)
	makeBob := w.role(alice, bob, RoleModerator)
	w.post(carol, "before")
	removeCarol := w.role(bob, carol, RoleRemove)
	w.role(bob, carol, RoleRevoke) // changes nothing: carol stays removed
	w.role(founder, bob, RoleRevoke)
	m := ResolveMembership(w.id, w.records)
	proof := m.Removal(PublicKeyOf(carol))
	if want := []ID{removeCarol.ID(), makeBob.ID(), makeAlice.ID()}; len(proof) < 3 || !slices.Equal(proof[:3], want) {
		t.Fatalf("proof %v, want the removal and the two grants %v first", proof, want)
	}
	chain := []*Record{genesis}
	for _, r := range w.records {
		if slices.Contains(proof[:3], r.ID()) {
			chain = append(chain, r)
		}
	}
	if s := ResolveMembership(w.id, chain).Standing(PublicKeyOf(carol)); s != StandingRemoved {
		t.Errorf("from the chain alone carol is %s", s)
	}
	for _, k := range []ed25519.PrivateKey{alice, bob, founder, testKey("stranger")} {
		if p := m.Removal(PublicKeyOf(k)); p != nil {
			t.Errorf("a proof of removal for someone not removed: %v", p)
		}
	}
	w.role(founder, carol, RoleAdmit)
	if p := ResolveMembership(w.id, w.records).Removal(PublicKeyOf(carol)); p != nil {
		t.Errorf("a proof of removal for someone admitted again: %v", p)
	}
}

// TestRemovalProofOverStaleRoles: a node that missed a moderator's
// removal holds that moderator's later re-admission of the member in
// effect; the proof carries the moderator's removal too, so that with it
// the node finds the member removed.
func TestRemovalProofOverStaleRoles(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	genesis := w.records[0]
	inv, invKey := w.invite(founder, 5, time.Hour)
	join := w.join(carol, inv, invKey)
	makeAlice := w.role(founder, alice, RoleModerator)
	removeCarol := w.role(founder, carol, RoleRemove)
	w.role(founder, alice, RoleRemove)
	readmit := w.role(alice, carol, RoleAdmit) // alice had not heard of her own removal
	server := ResolveMembership(w.id, w.records)
	if s := server.Standing(PublicKeyOf(carol)); s != StandingRemoved {
		t.Fatalf("carol is %s on the server", s)
	}
	client := []*Record{genesis, inv, join, makeAlice, removeCarol, readmit}
	if s := ResolveMembership(w.id, client).Standing(PublicKeyOf(carol)); s != StandingMember {
		t.Fatalf("carol is %s on her own node before the proof, want member (the case)", s)
	}
	for _, r := range w.records {
		if slices.Contains(server.Removal(PublicKeyOf(carol)), r.ID()) {
			client = append(client, r)
		}
	}
	if s := ResolveMembership(w.id, client).Standing(PublicKeyOf(carol)); s != StandingRemoved {
		t.Errorf("carol is %s on her own node with the proof", s)
	}
}

// TestLastChange: the record that set a standing last, whatever came
// after without effect.
func TestLastChange(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	inv, invKey := w.invite(founder, 5, time.Hour)
	join := w.join(carol, inv, invKey)
	if got := ResolveMembership(w.id, w.records).LastChange(PublicKeyOf(carol)); got != join.ID() {
		t.Errorf("after the join: %v", got)
	}
	remove := w.role(founder, carol, RoleRemove)
	w.role(alice, carol, RoleAdmit) // alice does not moderate: no effect
	m := ResolveMembership(w.id, w.records)
	if got := m.LastChange(PublicKeyOf(carol)); got != remove.ID() {
		t.Errorf("after the removal and a role without effect: %v, want the removal", got)
	}
	if got := m.LastChange(PublicKeyOf(founder)); !got.IsZero() {
		t.Errorf("the founder's: %v", got)
	}
}

// TestAdmissionProof: the records Admission names are enough on their
// own, with the genesis, to find a member admitted by a role record (a
// moderator made by another); a member admitted by a join, the founder,
// and anyone not admitted now have none.
func TestAdmissionProof(t *testing.T) {
	w := newWorld(t, founder, JoinInvite)
	genesis := w.records[0]
	inv, invKey := w.invite(founder, 1, time.Hour)
	w.join(carol, inv, invKey)
	w.join(bob, nil, nil) // no invite: refused, until a moderator admits bob
	makeAlice := w.role(founder, alice, RoleModerator)
	admitBob := w.role(alice, bob, RoleAdmit)
	w.role(alice, bob, RoleModerator) // a later grant: bob was admitted before it
	m := ResolveMembership(w.id, w.records)
	proof := m.Admission(PublicKeyOf(bob))
	if want := []ID{admitBob.ID(), makeAlice.ID()}; !slices.Equal(proof, want) {
		t.Fatalf("bob's admission %v, want the admit and alice's grant %v", proof, want)
	}
	chain := []*Record{genesis}
	for _, r := range w.records {
		if slices.Contains(proof, r.ID()) {
			chain = append(chain, r)
		}
	}
	if s := ResolveMembership(w.id, chain).Standing(PublicKeyOf(bob)); !s.Admitted() {
		t.Errorf("from the chain alone bob is %s", s)
	}
	// A grant to a non-member admits too: alice's proof is her grant.
	if p := m.Admission(PublicKeyOf(alice)); !slices.Equal(p, []ID{makeAlice.ID()}) {
		t.Errorf("alice's admission %v, want her grant", p)
	}
	for _, k := range []ed25519.PrivateKey{carol, founder, testKey("stranger")} {
		if p := m.Admission(PublicKeyOf(k)); p != nil {
			t.Errorf("an admission by role for someone a join admitted, the founder or a stranger: %v", p)
		}
	}
	// Removed, then admitted again: the new admit.
	w.role(founder, carol, RoleRemove)
	again := w.role(founder, carol, RoleAdmit)
	if p := ResolveMembership(w.id, w.records).Admission(PublicKeyOf(carol)); !slices.Equal(p, []ID{again.ID()}) {
		t.Errorf("carol admitted again: %v, want the new admit", p)
	}
	w.role(founder, bob, RoleRemove)
	if p := ResolveMembership(w.id, w.records).Admission(PublicKeyOf(bob)); p != nil {
		t.Errorf("an admission for a removed member: %v", p)
	}
}
