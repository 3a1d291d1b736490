package protocol

import "slices"

// State is what a set of records means for one community: who belongs,
// which records are accepted, what was deleted or hidden, and the derived
// views (threads, notes, events, reactions, profiles, devices). It is a pure
// function of the set, computed by Evaluate, so every node holding the same
// records shows the same community.
type State struct {
	Membership *Membership

	// Status of every record in the set.
	Status map[ID]Status
	// Tombstoned maps a deleted record to the tombstone that deleted it
	// (the first effective one in community order).
	Tombstoned map[ID]ID
	// Hidden maps a hidden record to the moderator's hide record.
	Hidden map[ID]ID

	Threads  map[ID]*Thread     // by root post
	Notes    map[ID]*NoteState  // by first revision
	Events   map[ID]*EventState // by original event record
	Edits    map[ID][]ID        // post, reply or event -> its author's later versions, oldest first
	Current  map[ID]ID          // post, reply or event with edits -> the version shown
	Reacts   map[ID]Reactions   // post, reply or note revision -> reaction counts
	Profiles map[PublicKey]ID   // member -> newest profile record
	Devices  map[PublicKey][]ID // member -> device records in force, in order
}

// Thread is a post with its replies and accepted answer.
type Thread struct {
	Post     ID
	Author   PublicKey
	Replies  []ID // live replies in community order
	Accepted ID   // the accepted reply, zero if none
	AcceptBy ID   // the accept record in force
}

// NoteState is a knowledge note: every live revision and its heads.
// More than one head means edits were made concurrently (apart) and wait
// for a member to merge them with a new revision that follows all heads.
type NoteState struct {
	Root      ID
	Revisions []ID // live revisions in community order, the first revision first
	Heads     []ID // live revisions no live revision follows; the current one first
}

// Current is the revision shown: the newest head, ties by lowest ID.
func (n *NoteState) Current() ID { return n.Heads[0] }

// EventState is an event with its members' answers.
type EventState struct {
	Event  ID
	RSVPs  map[PublicKey]Answer // newest answer per member
	Source map[PublicKey]ID     // the RSVP record behind each answer
}

// Reactions counts distinct members per reaction on one record.
type Reactions struct {
	Helpful, PlusOne, Applied int
}

func (r *Reactions) add(kind Reaction) {
	switch kind {
	case ReactHelpful:
		r.Helpful++
	case ReactPlusOne:
		r.PlusOne++
	case ReactApplied:
		r.Applied++
	}
}

// Evaluate computes the state of community from a set of valid records (as
// returned by Validate). Duplicates are harmless: a record counts once, with
// its body if any copy has one. Records of other communities are marked
// foreign and otherwise ignored. The result does not depend on the order of
// records.
func Evaluate(community ID, records []*Record) *State {
	set := dedupe(records)
	return evaluate(ResolveMembership(community, set), set)
}

// EvaluateWith is Evaluate with the membership already resolved from all
// of the community's control records. Given that membership and the records
// of one Object (see ObjectOf), it computes exactly that object's part of
// the community's state, which is how a store keeps its views current
// without re-reading the whole community.
func EvaluateWith(m *Membership, records []*Record) *State {
	return evaluate(m, dedupe(records))
}

// dedupe returns the distinct records in Position order, preferring a copy
// with a body over a purged one.
func dedupe(records []*Record) []*Record {
	byID := make(map[ID]*Record, len(records))
	for _, r := range records {
		if prev, ok := byID[r.id]; !ok || (prev.Purged() && !r.Purged()) {
			byID[r.id] = r
		}
	}
	set := make([]*Record, 0, len(byID))
	for _, r := range byID {
		set = append(set, r)
	}
	sortByPosition(set)
	return set
}

func evaluate(m *Membership, set []*Record) *State {
	byID := make(map[ID]*Record, len(set))
	for _, r := range set {
		byID[r.id] = r
	}
	e := &evaluation{
		byID: byID,
		State: State{
			Membership: m,
			Status:     make(map[ID]Status, len(set)),
			Tombstoned: make(map[ID]ID),
			Hidden:     make(map[ID]ID),
			Threads:    make(map[ID]*Thread),
			Notes:      make(map[ID]*NoteState),
			Events:     make(map[ID]*EventState),
			Edits:      make(map[ID][]ID),
			Current:    make(map[ID]ID),
			Reacts:     make(map[ID]Reactions),
			Profiles:   make(map[PublicKey]ID),
			Devices:    make(map[PublicKey][]ID),
		},
	}
	accepted := make([]*Record, 0, len(set))
	for _, r := range set {
		st := m.Status(r)
		e.Status[r.id] = st
		if st == StatusAccepted {
			accepted = append(accepted, r)
		}
	}
	// Deletions and hides first: every view below shows live records only.
	// Each pass goes in community order, so "the first effective one" is
	// the same everywhere.
	for _, r := range accepted {
		if r.Header.Kind == KindTombstone {
			e.tombstone(r)
		}
	}
	e.cascade(accepted)
	for _, r := range accepted {
		if r.Header.Kind == KindHide {
			e.hide(r)
		}
	}
	live := accepted[:0:0]
	for _, r := range accepted {
		if e.live(r.id) {
			live = append(live, r)
		}
	}
	e.views(live)
	e.notes(accepted)
	return &e.State
}

type evaluation struct {
	State
	byID map[ID]*Record
}

func (e *evaluation) live(id ID) bool {
	if e.Status[id] != StatusAccepted {
		return false
	}
	_, deleted := e.Tombstoned[id]
	_, hidden := e.Hidden[id]
	return !deleted && !hidden
}

// moderates reports whether r's author was a moderator when writing r.
func (e *evaluation) moderates(r *Record) bool {
	return e.Membership.Moderated(r)
}

// deletable reports whether a tombstone or hide may act on target: control
// records decide membership and tombstones are final, so neither can be
// undone this way.
func deletable(target *Record) bool {
	return !target.Header.Kind.Control() && target.Header.Kind != KindTombstone
}

func (e *evaluation) tombstone(t *Record) {
	target := e.byID[t.Header.Target]
	if target == nil || !deletable(target) {
		return
	}
	switch {
	case target.Header.Kind == KindHide:
		// Deleting a hide shows the record again: moderation, whoever
		// wrote the hide. A moderator demoted since cannot undo their
		// hides (nor anyone else's) this way.
		if !e.moderates(t) {
			return
		}
	case target.Header.Author != t.Header.Author && !e.moderates(t):
		return
	}
	if _, done := e.Tombstoned[target.id]; !done {
		e.Tombstoned[target.id] = t.id
	}
}

// cascade extends each deletion to the records that only restate the
// deleted one: the edits of a post, reply or event (its author's, of its
// kind), and every revision of a note whose first revision is deleted. An
// edit holds the deleted text's successor, so a deletion that left it on
// members' disks would promise nothing.
func (e *evaluation) cascade(accepted []*Record) {
	for _, r := range accepted {
		h := &r.Header
		var orig ID
		switch h.Kind {
		case KindPost, KindReply, KindEvent:
			orig = h.Target
		case KindNote:
			orig = h.Root
		}
		tomb, deleted := e.Tombstoned[orig]
		if orig.IsZero() || !deleted {
			continue
		}
		o := e.byID[orig]
		if o == nil || o.Header.Kind != h.Kind || (h.Kind != KindNote && o.Header.Author != h.Author) {
			continue
		}
		if _, done := e.Tombstoned[r.id]; !done {
			e.Tombstoned[r.id] = tomb
		}
	}
}

func (e *evaluation) hide(h *Record) {
	target := e.byID[h.Header.Target]
	if _, undone := e.Tombstoned[h.id]; undone || target == nil || !deletable(target) ||
		target.Header.Kind == KindHide || !e.moderates(h) {
		return
	}
	if _, done := e.Hidden[target.id]; !done {
		e.Hidden[target.id] = h.id
	}
}

// views builds threads, events, edits, accepts, reactions, profiles and
// devices from the live records, in community order.
func (e *evaluation) views(live []*Record) {
	// Originals first, so that edits, replies and answers find them.
	for _, r := range live {
		switch r.Header.Kind {
		case KindPost:
			if r.Header.Target.IsZero() {
				e.Threads[r.id] = &Thread{Post: r.id, Author: r.Header.Author}
			}
		case KindEvent:
			if r.Header.Target.IsZero() {
				e.Events[r.id] = &EventState{Event: r.id, RSVPs: make(map[PublicKey]Answer), Source: make(map[PublicKey]ID)}
			}
		}
	}
	for _, r := range live {
		if r.Header.Kind == KindReply && r.Header.Target.IsZero() && e.Threads[r.Header.Root] != nil {
			t := e.Threads[r.Header.Root]
			t.Replies = append(t.Replies, r.id)
		}
	}
	newestProfile := make(map[PublicKey]*Record)
	newestRSVP := make(map[ID]map[PublicKey]*Record)
	reacted := make(map[reactKey]bool)
	for _, r := range live {
		h := &r.Header
		switch h.Kind {
		case KindPost, KindReply, KindEvent:
			if !h.Target.IsZero() {
				e.edit(r)
			}
		case KindAccept:
			e.accept(r)
		case KindReact:
			react, ok := r.Content().(*React)
			if !ok {
				continue
			}
			target := e.byID[h.Target]
			key := reactKey{h.Target, h.Author, react.Reaction}
			// A member's reaction to their own record says nothing of it:
			// not counted (it would be evidence for "who knows about X").
			if target != nil && reactable(target.Header.Kind) && e.live(h.Target) && !reacted[key] && target.Header.Author != h.Author {
				reacted[key] = true
				counts := e.Reacts[h.Target]
				counts.add(react.Reaction)
				e.Reacts[h.Target] = counts
			}
		case KindRSVP:
			if e.Events[h.Target] == nil {
				continue
			}
			if newestRSVP[h.Target] == nil {
				newestRSVP[h.Target] = make(map[PublicKey]*Record)
			}
			newestRSVP[h.Target][h.Author] = newer(newestRSVP[h.Target][h.Author], r)
		case KindProfile:
			newestProfile[h.Author] = newer(newestProfile[h.Author], r)
		case KindDevice:
			e.Devices[h.Author] = append(e.Devices[h.Author], r.id)
		}
	}
	for k, r := range newestProfile {
		e.Profiles[k] = r.id
	}
	for ev, answers := range newestRSVP {
		for k, r := range answers {
			if a, ok := r.Content().(*RSVP); ok {
				e.Events[ev].RSVPs[k] = a.Answer
				e.Events[ev].Source[k] = r.id
			}
		}
	}
}

type reactKey struct {
	target ID
	author PublicKey
	kind   Reaction
}

func reactable(k Kind) bool { return k == KindPost || k == KindReply || k == KindNote }

// edit records r as a new version of its target: only the original's
// author may edit it, and only an original of the same kind (edits are not
// edited; each names the original).
func (e *evaluation) edit(r *Record) {
	orig := e.byID[r.Header.Target]
	if orig == nil || !e.live(orig.id) || orig.Header.Kind != r.Header.Kind || !orig.Header.Target.IsZero() ||
		orig.Header.Author != r.Header.Author || orig.Header.Root != r.Header.Root {
		return
	}
	e.Edits[orig.id] = append(e.Edits[orig.id], r.id)
	cur := e.byID[e.Current[orig.id]]
	e.Current[orig.id] = newer(cur, r).id
}

// accept makes r's target the thread's answer if r's author asked the
// question or moderates, and r is the newest such accept.
func (e *evaluation) accept(r *Record) {
	t := e.Threads[r.Header.Root]
	reply := e.byID[r.Header.Target]
	if t == nil || reply == nil || !e.live(reply.id) || reply.Header.Kind != KindReply ||
		!reply.Header.Target.IsZero() || reply.Header.Root != t.Post {
		return
	}
	if r.Header.Author != t.Author && !e.moderates(r) {
		return
	}
	if prev := e.byID[t.AcceptBy]; newer(prev, r) == r {
		t.Accepted, t.AcceptBy = reply.id, r.id
	}
}

// notes builds every note's revisions and heads. A revision is part of the
// note named by its Root; its parent links count only within that note.
// Deleted or hidden revisions are not heads, but their links still count,
// so deleting the newest revision of a chain does not resurrect the ones
// it followed. Deleting or hiding the first revision deletes or hides the
// whole note.
func (e *evaluation) notes(accepted []*Record) {
	members := make(map[ID][]*Record) // root -> accepted revisions, root first
	for _, r := range accepted {
		if r.Header.Kind != KindNote {
			continue
		}
		root := r.Header.Root
		if root.IsZero() {
			root = r.id
		}
		members[root] = append(members[root], r)
	}
	for root, revs := range members {
		if !e.live(root) {
			continue // first revision missing, deleted or hidden
		}
		inNote := make(map[ID]*Record, len(revs))
		for _, r := range revs {
			inNote[r.id] = r
		}
		// Mark every ancestor of a live revision; each revision is walked
		// at most once, so this is linear in the note's links.
		superseded := make(map[ID]bool)
		var stack []*Record
		n := &NoteState{Root: root}
		for _, r := range revs {
			if !e.live(r.id) {
				continue
			}
			n.Revisions = append(n.Revisions, r.id)
			for stack = append(stack[:0], r); len(stack) > 0; {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, p := range top.Header.Parents {
					if parent := inNote[p]; parent != nil && !superseded[p] {
						superseded[p] = true
						stack = append(stack, parent)
					}
				}
			}
		}
		var heads []*Record
		for _, id := range n.Revisions {
			if !superseded[id] {
				heads = append(heads, inNote[id])
			}
		}
		slices.SortFunc(heads, newestFirst)
		for _, h := range heads {
			n.Heads = append(n.Heads, h.id)
		}
		e.Notes[root] = n
	}
}

// newestFirst orders records newest first, ties by lowest ID: the rule for
// "newest wins" everywhere (edits, profiles, RSVPs, accepts, note heads).
func newestFirst(a, b *Record) int {
	if a.Header.Created != b.Header.Created {
		if a.Header.Created > b.Header.Created {
			return -1
		}
		return 1
	}
	return a.id.Compare(b.id)
}

// newer returns whichever of a and b wins "newest wins"; a may be nil.
func newer(a, b *Record) *Record {
	if a == nil || newestFirst(b, a) < 0 {
		return b
	}
	return a
}
