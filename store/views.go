package store

import (
	"slices"
	"time"

	"github.com/kith-network/kith/protocol"
)

// ThreadView is a thread as lists show it.
type ThreadView struct {
	Post         protocol.ID        // the thread's original post
	Current      protocol.ID        // the version shown: Post, or the author's newest edit
	Author       protocol.PublicKey //
	Type         protocol.PostType  //
	Title        string             //
	Tags         []string           //
	Created      int64              // unix ms of the original post
	LastActivity int64              // unix ms of the newest live post version or reply
	Replies      int                // live replies
	Accepted     protocol.ID        // the accepted reply, zero if none
	// AcceptedBy is who accepted it (the asker or a moderator); zero if
	// none, or in a view stored before it was kept.
	AcceptedBy protocol.PublicKey `cbor:",omitempty"`
	Reactions  protocol.Reactions // on the post
	// Edited maps each edited reply to its version shown.
	Edited map[protocol.ID]protocol.ID `cbor:",omitempty"`
	// ReplyReactions counts the reactions to each reply that has some.
	ReplyReactions map[protocol.ID]protocol.Reactions `cbor:",omitempty"`
	// Unresolved lists the records that records of the thread (edits,
	// accepts) name but the store does not hold, in ID order: a new reply
	// that is one of them changes more than the reply count, so it is not
	// applied to the view alone (see appendReply). Tracked says the list
	// was made; views stored before it existed lack both.
	Unresolved []protocol.ID `cbor:",omitempty"`
	Tracked    bool          `cbor:",omitempty"`
}

// NoteView is a knowledge note as lists show it.
type NoteView struct {
	Root      protocol.ID   // the note's first revision
	Current   protocol.ID   // the newest head
	Heads     []protocol.ID // more than one: concurrent edits waiting for a merge
	Revisions int           // live revisions
	Author    protocol.PublicKey
	Title     string // of the current revision
	Tags      []string
	Created   int64 // unix ms of the first revision
	Updated   int64 // unix ms of the current revision
	// From is the thread the note was promoted from, zero if none.
	From protocol.ID `cbor:",omitempty"`
	// Reactions to the note (to its first revision).
	Reactions protocol.Reactions
}

// EventView is an event with its answers counted.
type EventView struct {
	Event          protocol.ID
	Current        protocol.ID // the version shown
	Author         protocol.PublicKey
	Title          string
	Start, End     int64 // unix ms; End is 0 when open-ended
	Place, Link    string
	Tags           []string
	Yes, No, Maybe int
	RSVPs          map[protocol.PublicKey]protocol.Answer
	Text           string                `cbor:",omitempty"`
	Agenda         protocol.ID           `cbor:",omitempty"` // the agenda note, zero if none
	Minutes        protocol.ID           `cbor:",omitempty"` // the minutes note, zero if none
	Created        int64                 `cbor:",omitempty"`
	Files          []protocol.Attachment `cbor:",omitempty"` // of the version shown
}

// OpenEndedLength is how long an event without an end counts as lasting:
// a meeting that started a minute ago is not over yet.
const OpenEndedLength = time.Hour

// Upcoming reports whether the event has not ended by now (unix ms); one
// without an end ends OpenEndedLength after it starts. The events lists,
// and the links to them, split events by it.
func (v EventView) Upcoming(now int64) bool {
	end := v.End
	if end == 0 {
		end = v.Start + OpenEndedLength.Milliseconds()
	}
	return end >= now
}

// MemberView is a member's profile and devices in one community.
type MemberView struct {
	Key       protocol.PublicKey
	Standing  protocol.Standing
	Profile   protocol.ID // zero if none
	Name      string
	Org       string
	Expertise []string
	Bio       string
	Devices   [][]byte // libp2p peer ids (binary) the member vouches for
}

// buildView computes an object's view from its evaluated state, and the
// list index keys that point at it. It returns nil when the object has no
// view to show (a thread whose post is deleted, hidden, pending or absent).
func buildView(c protocol.ID, obj protocol.Object, st *protocol.State, byID map[protocol.ID]*protocol.Record) (any, [][]byte) {
	switch obj.Type {
	case protocol.ObjectThread:
		t := st.Threads[obj.ID]
		if t == nil {
			return nil, nil
		}
		post := byID[t.Post]
		v := &ThreadView{Post: t.Post, Current: t.Post, Author: t.Author, Created: post.Header.Created,
			LastActivity: post.Header.Created, Replies: len(t.Replies), Accepted: t.Accepted, Reactions: st.Reacts[t.Post]}
		if cur, ok := st.Current[t.Post]; ok {
			v.Current = cur
		}
		if a := byID[t.AcceptBy]; a != nil {
			v.AcceptedBy = a.Header.Author
		}
		if body, ok := byID[v.Current].Content().(*protocol.Post); ok {
			v.Type, v.Title, v.Tags = body.Type, body.Title, body.Tags
		}
		for _, id := range append(st.Edits[t.Post], t.Replies...) {
			v.LastActivity = max(v.LastActivity, byID[id].Header.Created)
		}
		for _, id := range t.Replies {
			if r, ok := st.Reacts[id]; ok {
				if v.ReplyReactions == nil {
					v.ReplyReactions = make(map[protocol.ID]protocol.Reactions)
				}
				v.ReplyReactions[id] = r
			}
			if cur, ok := st.Current[id]; ok && cur != id {
				if v.Edited == nil {
					v.Edited = make(map[protocol.ID]protocol.ID)
				}
				v.Edited[id] = cur
				v.LastActivity = max(v.LastActivity, byID[cur].Header.Created)
			}
		}
		v.Tracked, v.Unresolved = true, unresolved(byID)
		return v, threadKeys(c, v)
	case protocol.ObjectNote:
		n := st.Notes[obj.ID]
		if n == nil {
			return nil, nil
		}
		root, cur := byID[n.Root], byID[n.Current()]
		v := &NoteView{Root: n.Root, Current: cur.ID(), Heads: n.Heads, Revisions: len(n.Revisions),
			Author: root.Header.Author, Created: root.Header.Created, Updated: cur.Header.Created, From: root.Header.Target, Reactions: st.Reacts[n.Root]}
		if body, ok := cur.Content().(*protocol.Note); ok {
			v.Title, v.Tags = body.Title, body.Tags
		}
		return v, noteKeys(c, v)
	case protocol.ObjectEvent:
		e := st.Events[obj.ID]
		if e == nil {
			return nil, nil
		}
		v := &EventView{Event: e.Event, Current: e.Event, Author: byID[e.Event].Header.Author, RSVPs: e.RSVPs}
		if cur, ok := st.Current[e.Event]; ok {
			v.Current = cur
		}
		v.Created = byID[e.Event].Header.Created
		if body, ok := byID[v.Current].Content().(*protocol.Event); ok {
			v.Title, v.Start, v.End, v.Place, v.Link, v.Tags, v.Text = body.Title, body.Start, body.End, body.Place, body.Link, body.Tags, body.Text
			v.Files = body.Files
			copy(v.Agenda[:], body.Agenda)
			copy(v.Minutes[:], body.Minutes)
		}
		for _, a := range e.RSVPs {
			switch a {
			case protocol.AnswerYes:
				v.Yes++
			case protocol.AnswerNo:
				v.No++
			case protocol.AnswerMaybe:
				v.Maybe++
			}
		}
		return v, eventKeys(c, v)
	case protocol.ObjectMember:
		k := protocol.PublicKey(obj.ID)
		v := &MemberView{Key: k}
		if pid, ok := st.Profiles[k]; ok {
			v.Profile = pid
			if body, ok := byID[pid].Content().(*protocol.Profile); ok {
				v.Name, v.Org, v.Expertise, v.Bio = body.Name, body.Org, body.Expertise, body.Bio
			}
		}
		for _, id := range st.Devices[k] {
			if body, ok := byID[id].Content().(*protocol.Device); ok {
				v.Devices = append(v.Devices, body.PeerID)
			}
		}
		if v.Profile.IsZero() && len(v.Devices) == 0 {
			return nil, nil
		}
		return v, nil
	}
	return nil, nil
}

// unresolved returns, in ID order, the targets of records that are not
// among them.
func unresolved(byID map[protocol.ID]*protocol.Record) []protocol.ID {
	var out []protocol.ID
	for _, r := range byID {
		if t := r.Header.Target; !t.IsZero() && byID[t] == nil && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, protocol.ID.Compare)
	return out
}

func threadKeys(c protocol.ID, v *ThreadView) [][]byte {
	return [][]byte{
		key(tThreads, c[:], encodeDesc(v.Created), v.Post[:]),
		key(tActive, c[:], encodeDesc(v.LastActivity), v.Post[:]),
	}
}

func noteKeys(c protocol.ID, v *NoteView) [][]byte {
	keys := [][]byte{key(tNotes, c[:], encodeDesc(v.Updated), v.Root[:])}
	if !v.From.IsZero() {
		keys = append(keys, key(tPromoted, c[:], v.From[:], v.Root[:]))
	}
	return keys
}

func eventKeys(c protocol.ID, v *EventView) [][]byte {
	return [][]byte{key(tEvents, c[:], encodeTime(v.Start), v.Event[:])}
}

// listKeys returns the list index keys of a stored view.
func listKeys(c protocol.ID, obj protocol.Object, data []byte) ([][]byte, error) {
	switch obj.Type {
	case protocol.ObjectThread:
		var v ThreadView
		if err := decodeView(data, &v); err != nil {
			return nil, err
		}
		return threadKeys(c, &v), nil
	case protocol.ObjectNote:
		var v NoteView
		if err := decodeView(data, &v); err != nil {
			return nil, err
		}
		return noteKeys(c, &v), nil
	case protocol.ObjectEvent:
		var v EventView
		if err := decodeView(data, &v); err != nil {
			return nil, err
		}
		return eventKeys(c, &v), nil
	}
	return nil, nil
}

// A thread's list entries (newest, most active) carry a summary of what
// filters look at, so that a narrow filter over a long list skips the
// threads it rejects without decoding their views: version 1, the post
// type, whether an answer is accepted, the author, then each tag as a
// length byte and its bytes. Entries written before summaries existed
// are empty, and are filtered by their view.
const threadSummaryV1 = 1

func threadSummary(v *ThreadView) []byte {
	b := make([]byte, 0, 3+len(v.Author)+8*len(v.Tags))
	b = append(b, threadSummaryV1, byte(v.Type), 0)
	if !v.Accepted.IsZero() {
		b[2] = 1
	}
	b = append(b, v.Author[:]...)
	for _, t := range v.Tags {
		if len(t) > 255 {
			return nil // not summarisable: the view decides
		}
		b = append(b, byte(len(t)))
		b = append(b, t...)
	}
	return b
}

// rejectsSummary reports whether f surely rejects the thread summarised by
// s; false when s is empty or unreadable (the view decides then).
func (f ThreadFilter) rejectsSummary(s []byte) bool {
	const head = 3 + len(protocol.PublicKey{})
	if len(s) < head || s[0] != threadSummaryV1 {
		return false
	}
	typ, accepted := protocol.PostType(s[1]), s[2] == 1
	author := protocol.PublicKey(s[3:head])
	switch {
	case f.Type != 0 && typ != f.Type:
		return true
	case f.Unanswered && (typ != protocol.PostQuestion || accepted):
		return true
	case !f.Author.IsZero() && author != f.Author:
		return true
	case !f.AnsweredBy.IsZero() && !accepted:
		return true
	case f.Tag == "":
		return false
	}
	for rest := s[head:]; len(rest) > 0; {
		n := int(rest[0])
		if 1+n > len(rest) {
			return false
		}
		if string(rest[1:1+n]) == f.Tag {
			return false
		}
		rest = rest[1+n:]
	}
	return true
}
