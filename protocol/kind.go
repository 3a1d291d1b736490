package protocol

import "fmt"

// Kind says what a record is and which body it carries. The numbers are
// part of the wire format and never change meaning.
type Kind uint8

// The kinds of the first release.
const (
	KindCommunity Kind = 1  // genesis of a community: its name, domain, charter, join policy
	KindJoin      Kind = 2  // an author asks to be a member (with an invite in invite-only communities)
	KindInvite    Kind = 3  // a moderator's expiring, limited-use invitation
	KindRole      Kind = 4  // a moderator grants or revokes moderation, admits or removes a member, or withdraws an invite
	KindProfile   Kind = 5  // who the author is: name, organisation, expertise
	KindPost      Kind = 6  // a thread: discussion, question or announcement (or an edit of one)
	KindReply     Kind = 7  // an answer or comment in a thread (or an edit of one)
	KindAccept    Kind = 8  // marks a reply as the accepted answer of its thread
	KindNote      Kind = 9  // one revision of a knowledge note
	KindReact     Kind = 10 // helpful, +1, or "I applied this"
	KindEvent     Kind = 11 // a meeting with a time and a place or link (or an edit of one)
	KindRSVP      Kind = 12 // an answer to an event
	KindTombstone Kind = 13 // deletes the body of a record
	KindHide      Kind = 14 // a moderator hides a record from view
	KindDevice    Kind = 15 // a member key vouches for a node's peer id
)

var kindNames = [...]string{
	KindCommunity: "community",
	KindJoin:      "join",
	KindInvite:    "invite",
	KindRole:      "role",
	KindProfile:   "profile",
	KindPost:      "post",
	KindReply:     "reply",
	KindAccept:    "accept",
	KindNote:      "note",
	KindReact:     "react",
	KindEvent:     "event",
	KindRSVP:      "rsvp",
	KindTombstone: "tombstone",
	KindHide:      "hide",
	KindDevice:    "device",
}

// Kinds lists every known kind in numeric order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindNames))
	for k := range kindNames {
		if kindNames[k] != "" {
			out = append(out, Kind(k))
		}
	}
	return out
}

// Known reports whether k is a kind of this protocol version.
func (k Kind) Known() bool { return int(k) < len(kindNames) && kindNames[k] != "" }

// String returns the kind's lowercase name.
func (k Kind) String() string {
	if k.Known() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses a kind's name.
func ParseKind(name string) (Kind, error) {
	for k, n := range kindNames {
		if n != "" && n == name {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown record kind %q", name)
}

// MarshalText encodes the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses a kind's name.
func (k *Kind) UnmarshalText(text []byte) error {
	parsed, err := ParseKind(string(text))
	if err != nil {
		return err
	}
	*k = parsed
	return nil
}

// Control reports whether records of this kind decide membership
// (community, join, invite, role). Sync fetches them first so that the
// records they admit are not left pending.
func (k Kind) Control() bool {
	switch k {
	case KindCommunity, KindJoin, KindInvite, KindRole:
		return true
	}
	return false
}
