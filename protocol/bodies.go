package protocol

import (
	"crypto/ed25519"
	"net/url"
	"strings"
	"time"
)

// Body is the typed content of a record; each kind has one body type. A
// body is encoded canonically, hashed into its header, and may be purged
// later without invalidating the header.
type Body interface {
	// Kind is the record kind that carries this body.
	Kind() Kind
	// check enforces the body's own limits, given its header.
	check(h *Header) *Error
}

// newBody returns an empty body of kind k to decode into.
func newBody(k Kind) Body {
	switch k {
	case KindCommunity:
		return new(Community)
	case KindJoin:
		return new(Join)
	case KindInvite:
		return new(Invite)
	case KindRole:
		return new(Role)
	case KindProfile:
		return new(Profile)
	case KindPost:
		return new(Post)
	case KindReply:
		return new(Reply)
	case KindAccept:
		return new(Accept)
	case KindNote:
		return new(Note)
	case KindReact:
		return new(React)
	case KindEvent:
		return new(Event)
	case KindRSVP:
		return new(RSVP)
	case KindTombstone:
		return new(Tombstone)
	case KindHide:
		return new(Hide)
	case KindDevice:
		return new(Device)
	}
	return nil
}

// JoinPolicy says who may join a community.
type JoinPolicy uint8

// Join policies.
const (
	JoinOpen   JoinPolicy = 1 // anyone holding the community id may join
	JoinInvite JoinPolicy = 2 // only with a moderator's invite (or a role grant)
)

// Community is the genesis of a community. Its author is the founder, a
// moderator who can never be removed, and its record ID is the community ID.
type Community struct {
	Name    string     `cbor:"1,keyasint,omitempty"`
	Domain  string     `cbor:"2,keyasint,omitempty"` // the shared domain of practice, in a line
	Charter string     `cbor:"3,keyasint,omitempty"` // Markdown: purpose, norms
	Policy  JoinPolicy `cbor:"4,keyasint,omitempty"`
}

// Join asks for membership. In an invite-only community it carries the
// public key of the invite used (the header's Target names the invite
// record) and a proof: the invite's private key, which only people given
// the invite code hold, signs the community and the joining member's key.
// A member who merely saw the invite record cannot forge that proof.
type Join struct {
	InviteKey   PublicKey `cbor:"1,keyasint,omitzero"`
	InviteProof []byte    `cbor:"2,keyasint,omitempty"`
}

// Invite is a moderator's invitation. Key is the public half of a key pair
// made for this invite; the private half travels in the invite code.
type Invite struct {
	Key     PublicKey `cbor:"1,keyasint,omitzero"`
	Expires int64     `cbor:"2,keyasint,omitempty"` // unix ms; joins created after it are not admitted
	MaxUses uint32    `cbor:"3,keyasint,omitempty"` // joins admitted through it, first by (created, id)
	Label   string    `cbor:"4,keyasint,omitempty"` // for the moderator's own list ("Acme pilot team")
}

// RoleAction is what a role record does to a member.
type RoleAction uint8

// Role actions.
const (
	RoleModerator RoleAction = 1 // make a moderator (admitting them if need be)
	RoleRevoke    RoleAction = 2 // a moderator becomes a plain member
	RoleAdmit     RoleAction = 3 // admit as a member, also after a removal
	RoleRemove    RoleAction = 4 // remove: the member's newer records are no longer accepted
	// RoleRevokeInvite withdraws the invite named by the header's Target:
	// joins after it no longer use it. It names no member.
	RoleRevokeInvite RoleAction = 5
)

// Role changes a member's standing. Only moderators' role records take
// effect, and never against the founder.
type Role struct {
	Member PublicKey  `cbor:"1,keyasint,omitzero"`
	Action RoleAction `cbor:"2,keyasint,omitempty"`
	Reason string     `cbor:"3,keyasint,omitempty"`
}

// Profile says who the author is, in this community. The newest wins.
type Profile struct {
	Name      string   `cbor:"1,keyasint,omitempty"`
	Org       string   `cbor:"2,keyasint,omitempty"`
	Expertise []string `cbor:"3,keyasint,omitempty"` // normalized tags
	Bio       string   `cbor:"4,keyasint,omitempty"` // Markdown
}

// PostType is the kind of thread a post starts.
type PostType uint8

// Post types.
const (
	PostDiscussion   PostType = 1
	PostQuestion     PostType = 2
	PostAnnouncement PostType = 3
)

// Post starts a thread, or (with a Target) is a new version of the
// author's own post.
type Post struct {
	Type  PostType     `cbor:"1,keyasint,omitempty"`
	Title string       `cbor:"2,keyasint,omitempty"`
	Text  string       `cbor:"3,keyasint,omitempty"` // Markdown
	Tags  []string     `cbor:"4,keyasint,omitempty"`
	Files []Attachment `cbor:"5,keyasint,omitempty"`
}

// Reply answers a post (the header's Root), possibly a particular reply
// (its Parents), or (with a Target) is a new version of the author's reply.
type Reply struct {
	Text  string       `cbor:"1,keyasint,omitempty"` // Markdown
	Files []Attachment `cbor:"2,keyasint,omitempty"`
}

// Accept marks the reply named by the header's Target as the accepted
// answer to the post named by its Root. It has no content of its own.
type Accept struct{}

// Note is one revision of a knowledge note. The first revision has no Root;
// every later one names the first as Root and the revisions it follows as
// Parents, so edits made apart show up as concurrent heads.
type Note struct {
	Title string       `cbor:"1,keyasint,omitempty"`
	Text  string       `cbor:"2,keyasint,omitempty"` // Markdown
	Tags  []string     `cbor:"3,keyasint,omitempty"`
	Files []Attachment `cbor:"4,keyasint,omitempty"`
}

// Reaction is what a react record says.
type Reaction uint8

// Reactions.
const (
	ReactHelpful Reaction = 1
	ReactPlusOne Reaction = 2
	ReactApplied Reaction = 3 // "I applied this"
)

// React is one member's reaction to the record named by the header's Target.
type React struct {
	Reaction Reaction `cbor:"1,keyasint,omitempty"`
}

// Event is a meeting: a time and a place or a link.
type Event struct {
	Title string   `cbor:"1,keyasint,omitempty"`
	Start int64    `cbor:"2,keyasint,omitempty"` // unix ms
	End   int64    `cbor:"3,keyasint,omitempty"` // unix ms, 0 if open-ended
	Place string   `cbor:"4,keyasint,omitempty"`
	Link  string   `cbor:"5,keyasint,omitempty"` // http or https
	Text  string   `cbor:"6,keyasint,omitempty"` // Markdown
	Tags  []string `cbor:"7,keyasint,omitempty"`
	// Agenda and Minutes are the ids of the notes that hold them: empty,
	// or 32 bytes (a note's first revision).
	Agenda  []byte       `cbor:"8,keyasint,omitempty"`
	Minutes []byte       `cbor:"9,keyasint,omitempty"`
	Files   []Attachment `cbor:"10,keyasint,omitempty"`
}

// Answer is an RSVP's answer.
type Answer uint8

// RSVP answers.
const (
	AnswerYes   Answer = 1
	AnswerNo    Answer = 2
	AnswerMaybe Answer = 3
)

// RSVP answers the event named by the header's Target. The newest wins.
type RSVP struct {
	Answer Answer `cbor:"1,keyasint,omitempty"`
}

// Tombstone deletes the body of the record named by the header's Target:
// its author's own record, or any record if a moderator signs it. Nodes
// that honour it purge the body; the header stays, so the set still
// reconciles.
type Tombstone struct {
	Reason string `cbor:"1,keyasint,omitempty"`
}

// Hide is a moderator's decision to hide a record from view without
// deleting it; a tombstone on the hide record undoes it.
type Hide struct {
	Reason string `cbor:"1,keyasint,omitempty"`
}

// Device vouches for a node: the member says that the libp2p peer PeerID is
// one of their machines, so peers can tell which nodes belong to members.
type Device struct {
	PeerID []byte `cbor:"1,keyasint,omitempty"` // the peer id's binary (multihash) form
	Name   string `cbor:"2,keyasint,omitempty"` // "work laptop"
}

func (*Community) Kind() Kind { return KindCommunity }
func (*Join) Kind() Kind      { return KindJoin }
func (*Invite) Kind() Kind    { return KindInvite }
func (*Role) Kind() Kind      { return KindRole }
func (*Profile) Kind() Kind   { return KindProfile }
func (*Post) Kind() Kind      { return KindPost }
func (*Reply) Kind() Kind     { return KindReply }
func (*Accept) Kind() Kind    { return KindAccept }
func (*Note) Kind() Kind      { return KindNote }
func (*React) Kind() Kind     { return KindReact }
func (*Event) Kind() Kind     { return KindEvent }
func (*RSVP) Kind() Kind      { return KindRSVP }
func (*Tombstone) Kind() Kind { return KindTombstone }
func (*Hide) Kind() Kind      { return KindHide }
func (*Device) Kind() Kind    { return KindDevice }

func (b *Community) check(*Header) *Error {
	if strings.TrimSpace(b.Name) == "" {
		return fail(RuleText, "community name is empty")
	}
	if err := checkLine("community name", b.Name, MaxNameRunes); err != nil {
		return err
	}
	if err := checkLine("domain", b.Domain, MaxLineRunes); err != nil {
		return err
	}
	if err := checkText("charter", b.Charter); err != nil {
		return err
	}
	if b.Policy != JoinOpen && b.Policy != JoinInvite {
		return fail(RuleField, "join policy %d is neither open (1) nor invite-only (2)", b.Policy)
	}
	return nil
}

func (b *Join) check(h *Header) *Error {
	withInvite := !h.Target.IsZero()
	if withInvite != !b.InviteKey.IsZero() || withInvite != (len(b.InviteProof) > 0) {
		return fail(RuleInvite, "a join names an invite, its key and its proof, or none of them")
	}
	if !withInvite {
		return nil
	}
	if len(b.InviteProof) != ed25519.SignatureSize {
		return fail(RuleInvite, "invite proof is %d bytes, want %d", len(b.InviteProof), ed25519.SignatureSize)
	}
	if !ed25519.Verify(b.InviteKey[:], inviteMessage(h.Community, h.Author), b.InviteProof) {
		return fail(RuleInvite, "invite proof does not verify: the joiner did not hold the invite's key")
	}
	return nil
}

func (b *Invite) check(h *Header) *Error {
	if b.Key.IsZero() {
		return fail(RuleField, "invite has no key")
	}
	if b.Expires <= h.Created {
		return fail(RuleField, "invite expires (%d) before it is created (%d)", b.Expires, h.Created)
	}
	if b.MaxUses == 0 || b.MaxUses > maxInviteUses {
		return fail(RuleField, "invite allows %d uses, want 1 to %d", b.MaxUses, maxInviteUses)
	}
	return checkLine("invite label", b.Label, MaxLineRunes)
}

func (b *Role) check(h *Header) *Error {
	if b.Action < RoleModerator || b.Action > RoleRevokeInvite {
		return fail(RuleField, "role action %d unknown", b.Action)
	}
	if b.Action == RoleRevokeInvite {
		if !b.Member.IsZero() || h.Target.IsZero() {
			return fail(RuleField, "an invite revocation names the invite as its target, and no member")
		}
	} else {
		if b.Member.IsZero() {
			return fail(RuleField, "role names no member")
		}
		if !h.Target.IsZero() {
			return fail(RuleReference, "only an invite revocation has a target")
		}
	}
	return checkLine("reason", b.Reason, MaxLineRunes)
}

func (b *Profile) check(*Header) *Error {
	if err := checkLine("display name", b.Name, MaxNameRunes); err != nil {
		return err
	}
	if err := checkLine("organisation", b.Org, MaxLineRunes); err != nil {
		return err
	}
	if err := checkTags("expertise tags", b.Expertise); err != nil {
		return err
	}
	return checkText("bio", b.Bio)
}

func (b *Post) check(*Header) *Error {
	if b.Type < PostDiscussion || b.Type > PostAnnouncement {
		return fail(RuleField, "post type %d unknown", b.Type)
	}
	if err := checkTitle(b.Title); err != nil {
		return err
	}
	if err := checkText("text", b.Text); err != nil {
		return err
	}
	if err := checkTags("tags", b.Tags); err != nil {
		return err
	}
	return checkAttachments(b.Files)
}

func (b *Reply) check(*Header) *Error {
	if strings.TrimSpace(b.Text) == "" && len(b.Files) == 0 {
		return fail(RuleText, "reply is empty")
	}
	if err := checkText("text", b.Text); err != nil {
		return err
	}
	return checkAttachments(b.Files)
}

func (*Accept) check(*Header) *Error { return nil }

func (b *Note) check(*Header) *Error {
	if err := checkTitle(b.Title); err != nil {
		return err
	}
	if err := checkText("text", b.Text); err != nil {
		return err
	}
	if err := checkTags("tags", b.Tags); err != nil {
		return err
	}
	return checkAttachments(b.Files)
}

func (b *React) check(*Header) *Error {
	if b.Reaction < ReactHelpful || b.Reaction > ReactApplied {
		return fail(RuleField, "reaction %d unknown", b.Reaction)
	}
	return nil
}

func (b *Event) check(*Header) *Error {
	if err := checkTitle(b.Title); err != nil {
		return err
	}
	for _, link := range []struct {
		name string
		id   []byte
	}{{"agenda", b.Agenda}, {"minutes", b.Minutes}} {
		if len(link.id) != 0 && len(link.id) != len(ID{}) {
			return fail(RuleField, "event %s note id is %d bytes, want %d", link.name, len(link.id), len(ID{}))
		}
	}
	if b.Start == 0 {
		return fail(RuleField, "event has no start time")
	}
	if b.Start < 0 {
		return fail(RuleField, "event starts before 1970 (%s)", utcMinute(b.Start))
	}
	if b.End != 0 && b.End < b.Start {
		return fail(RuleField, "event ends (%s) before it starts (%s)", utcMinute(b.End), utcMinute(b.Start))
	}
	if err := checkLine("place", b.Place, MaxLineRunes); err != nil {
		return err
	}
	if b.Link != "" {
		if len(b.Link) > MaxLinkBytes {
			return fail(RuleText, "link is %d bytes, the limit is %d", len(b.Link), MaxLinkBytes)
		}
		if err := checkLine("link", b.Link, MaxLinkBytes); err != nil {
			return err
		}
		u, err := url.Parse(b.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fail(RuleField, "link %q is not an http or https address", b.Link)
		}
	}
	if err := checkText("text", b.Text); err != nil {
		return err
	}
	if err := checkTags("tags", b.Tags); err != nil {
		return err
	}
	return checkAttachments(b.Files)
}

func (b *RSVP) check(*Header) *Error {
	if b.Answer < AnswerYes || b.Answer > AnswerMaybe {
		return fail(RuleField, "rsvp answer %d unknown", b.Answer)
	}
	return nil
}

func (b *Tombstone) check(*Header) *Error { return checkLine("reason", b.Reason, MaxLineRunes) }
func (b *Hide) check(*Header) *Error      { return checkLine("reason", b.Reason, MaxLineRunes) }

func (b *Device) check(*Header) *Error {
	if len(b.PeerID) == 0 || len(b.PeerID) > MaxPeerIDBytes {
		return fail(RuleField, "device peer id is %d bytes, want 1 to %d", len(b.PeerID), MaxPeerIDBytes)
	}
	return checkLine("device name", b.Name, MaxNameRunes)
}

// utcMinute writes a unix-millisecond time for people, in UTC, as
// validation messages show it.
func utcMinute(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 UTC") }
