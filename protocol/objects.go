package protocol

import "fmt"

// ObjectType is the kind of thing a record contributes to.
type ObjectType uint8

// Object types. The numbers are stored by the store in its index keys.
const (
	ObjectNone    ObjectType = 0 // not known yet: the record acts on a target that has not arrived
	ObjectControl ObjectType = 1 // membership: genesis, joins, invites, roles
	ObjectThread  ObjectType = 2 // a post with its edits, replies, accepts
	ObjectNote    ObjectType = 3 // a note with all its revisions
	ObjectEvent   ObjectType = 4 // an event with its edits and RSVPs
	ObjectMember  ObjectType = 5 // a member's profiles and devices
)

var objectTypeNames = [...]string{"none", "control", "thread", "note", "event", "member"}

// String returns the object type's lowercase name.
func (t ObjectType) String() string {
	if int(t) < len(objectTypeNames) {
		return objectTypeNames[t]
	}
	return fmt.Sprintf("object(%d)", uint8(t))
}

// Object names one unit of a community's derived state: a thread, a note,
// an event, a member's profile, or the membership. Its ID is the thread's
// post, the note's first revision, the event, or the member's key.
//
// The rules never look across objects, except through membership: the
// state of an object is Evaluate's result for the membership records plus
// the object's own records. So a store can keep views up to date by
// re-evaluating only the objects that a new record touches.
type Object struct {
	Type ObjectType
	ID   ID
}

// maxObjectDepth bounds how many targets ObjectOf follows: a tombstone of
// a hide of a reaction to a reply is as deep as the rules go.
const maxObjectDepth = 4

// ObjectOf returns the object that r contributes to. Records that act on a
// target (reactions, tombstones, hides) belong to their target's object,
// which lookup must find; while it cannot, ObjectOf returns ObjectNone and
// the target's ID, for the caller to retry when that record arrives.
func ObjectOf(r *Record, lookup func(ID) *Record) (Object, ID) {
	for depth := 0; ; depth++ {
		h := &r.Header
		switch h.Kind {
		case KindCommunity, KindJoin, KindInvite, KindRole:
			return Object{ObjectControl, r.Community()}, ID{}
		case KindPost:
			if h.Target.IsZero() {
				return Object{ObjectThread, r.id}, ID{}
			}
			return Object{ObjectThread, h.Target}, ID{}
		case KindReply, KindAccept:
			return Object{ObjectThread, h.Root}, ID{}
		case KindNote:
			if h.Root.IsZero() {
				return Object{ObjectNote, r.id}, ID{}
			}
			return Object{ObjectNote, h.Root}, ID{}
		case KindEvent:
			if h.Target.IsZero() {
				return Object{ObjectEvent, r.id}, ID{}
			}
			return Object{ObjectEvent, h.Target}, ID{}
		case KindRSVP:
			return Object{ObjectEvent, h.Target}, ID{}
		case KindProfile, KindDevice:
			return Object{ObjectMember, ID(h.Author)}, ID{}
		}
		// React, tombstone, hide: the target's object.
		target := lookup(h.Target)
		if target == nil || depth == maxObjectDepth || target.Community() != r.Community() {
			return Object{}, h.Target
		}
		r = target
	}
}
