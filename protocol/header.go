package protocol

// Version is the record format version this package writes and reads.
const Version = 1

// Header is the signed part of a record. Its canonical encoding hashes to
// the record's ID, and the author's signature covers that ID, so every field
// here is authenticated. The body is bound by BodyHash and BodyLen, which
// lets a node purge a body and still prove the header.
//
// The field numbers are the wire format. Zero-valued optional fields are
// omitted, so a reference that is absent has exactly one encoding.
type Header struct {
	Version   uint8     `cbor:"1,keyasint"`
	Kind      Kind      `cbor:"2,keyasint"`
	Community ID        `cbor:"3,keyasint,omitzero"` // zero only on a genesis (community) record
	Author    PublicKey `cbor:"4,keyasint"`
	Created   int64     `cbor:"5,keyasint"` // unix milliseconds, as the author's clock said

	// References, each required, optional or forbidden according to Kind
	// (see refRules): Root is the thread, note or event a record belongs
	// to; Parents are the revisions a note revision follows (or the reply
	// a reply answers); Target is the record acted on (accepted, reacted
	// to, deleted, hidden, revised, used as invite).
	Root    ID   `cbor:"6,keyasint,omitzero"`
	Parents []ID `cbor:"7,keyasint,omitempty"`
	Target  ID   `cbor:"8,keyasint,omitzero"`

	BodyHash [32]byte `cbor:"9,keyasint"`
	BodyLen  uint32   `cbor:"10,keyasint"`
}

// Refs are the references a new record carries; see Header.
type Refs struct {
	Root    ID
	Parents []ID
	Target  ID
}

// ref says whether a kind needs, allows or forbids one reference.
type ref uint8

const (
	forbidden ref = iota
	optional
	required
)

// refRules says, per kind, which references its header carries: Root,
// Parents, Target. Rules that depend on the other references (a note
// revision with a Root needs Parents) are checked in checkRefs.
var refRules = map[Kind][3]ref{
	KindCommunity: {forbidden, forbidden, forbidden},
	KindJoin:      {forbidden, forbidden, optional}, // Target: the invite used
	KindInvite:    {forbidden, forbidden, forbidden},
	KindRole:      {forbidden, forbidden, optional}, // Target: the invite an invite revocation withdraws
	KindProfile:   {forbidden, forbidden, forbidden},
	KindPost:      {forbidden, forbidden, optional}, // Target: the post this edits
	KindReply:     {required, optional, optional},   // Root: the post; Parents: the reply answered; Target: the reply this edits
	KindAccept:    {required, forbidden, required},  // Root: the post; Target: the reply accepted
	KindNote:      {optional, optional, optional},   // Root: the note's first revision; Parents: revisions followed; Target: thread promoted from
	KindReact:     {forbidden, forbidden, required},
	KindEvent:     {forbidden, forbidden, optional}, // Target: the event this edits
	KindRSVP:      {forbidden, forbidden, required}, // Target: the event
	KindTombstone: {forbidden, forbidden, required},
	KindHide:      {forbidden, forbidden, required},
	KindDevice:    {forbidden, forbidden, forbidden},
}

func checkRefs(h *Header) *Error {
	rules := refRules[h.Kind]
	have := [3]bool{!h.Root.IsZero(), len(h.Parents) > 0, !h.Target.IsZero()}
	names := [3]string{"root", "parents", "target"}
	for i, r := range rules {
		switch {
		case r == required && !have[i]:
			return fail(RuleReference, "a %s record needs a %s reference", h.Kind, names[i])
		case r == forbidden && have[i]:
			return fail(RuleReference, "a %s record cannot have a %s reference", h.Kind, names[i])
		}
	}
	if len(h.Parents) > MaxParents {
		return fail(RuleReference, "%d parents, the limit is %d", len(h.Parents), MaxParents)
	}
	for i, p := range h.Parents {
		if p.IsZero() {
			return fail(RuleReference, "parent %d is the zero id", i+1)
		}
		for _, q := range h.Parents[:i] {
			if p == q {
				return fail(RuleReference, "parent %s appears twice", p)
			}
		}
	}
	switch h.Kind {
	case KindReply:
		if len(h.Parents) > 1 {
			return fail(RuleReference, "a reply answers at most one reply, it names %d", len(h.Parents))
		}
	case KindNote:
		if h.Root.IsZero() != (len(h.Parents) == 0) {
			return fail(RuleReference, "a note revision names both a root and the revisions it follows, or neither (a new note)")
		}
		if !h.Root.IsZero() && !h.Target.IsZero() {
			return fail(RuleReference, "only a note's first revision may name the thread it was promoted from")
		}
	}
	return nil
}
