package api

import (
	"github.com/kith-network/kith/protocol"
)

// The JSON bodies of the local API, shared by the daemon and the CLI.

// Status is GET /api/status. Its id is the node's peer id.
type Status struct {
	ID          string             `json:"id"`
	MemberKey   protocol.PublicKey `json:"member_key"`
	PeerID      string             `json:"peer_id"`
	Addresses   []string           `json:"addresses"`
	Communities []Community        `json:"communities"`
	Peers       int                `json:"peers"`
	Clock       ClockStatus        `json:"clock"`
	Runtime     Runtime            `json:"runtime"`
}

// ClockStatus compares this node's clock with its connected peers'
// (asked when they connect): records dated more than protocol.MaxFuture
// ahead of a node's clock are refused by it.
type ClockStatus struct {
	Peers    int    `json:"peers"`     // peers whose clocks were asked; 0: unknown
	OffsetMS int64  `json:"offset_ms"` // their median clock minus ours
	Off      bool   `json:"off"`       // far enough to warn of
	Advice   string `json:"advice,omitempty"`
}

// Runtime is the daemon's own footprint.
type Runtime struct {
	Goroutines int    `json:"goroutines"`
	HeapBytes  uint64 `json:"heap_bytes"` // live and not yet swept heap objects
	RSSBytes   uint64 `json:"rss_bytes"`  // resident memory; 0 where unknown
	OpenFiles  int    `json:"open_files"` // file descriptors; -1 where unknown
	// MemoryLimitBytes is the soft memory limit the daemon runs under
	// (memory_mb, or GOMEMLIMIT); 0: none.
	MemoryLimitBytes uint64 `json:"memory_limit_bytes,omitempty"`
}

// FeedItem is one item of GET /api/feed, a stream of server-sent events
// whose event name is Type.
type FeedItem struct {
	Type string `json:"type"` // "record", or "dropped" when a slow reader missed some
	// Record is a record newly stored.
	Record *RecordEvent `json:"record,omitempty"`
	// Dropped counts the events this reader missed, being too slow.
	Dropped int `json:"dropped,omitempty"`
}

// RecordEvent says that a record was stored, when, and how it came.
type RecordEvent struct {
	ID        protocol.ID        `json:"id"`
	Community protocol.ID        `json:"community"`
	Kind      string             `json:"kind"`
	Author    protocol.PublicKey `json:"author"`
	Created   int64              `json:"created"` // unix ms, as signed
	Stored    int64              `json:"stored"`  // unix ms, on this node
	Status    string             `json:"status"`
	Via       string             `json:"via"` // local, gossip, sync or fetch
}

// Peer is one connected peer; its id is its peer id.
type Peer struct {
	PeerID    string   `json:"id"`
	Addresses []string `json:"addresses"`
	// Relayed says every connection to the peer goes through a relay:
	// limited, and no records flow over it.
	Relayed bool `json:"relayed,omitempty"`
	// GossipScore is the peer's gossipsub score, when it is scored:
	// below zero it sent invalid records or more than the rate limits,
	// below -2500 nothing it sends is processed.
	GossipScore *float64 `json:"gossip_score,omitempty"`
	// Member is the member whose node it is, by their device records in
	// the communities held here (none for a node no member vouches for,
	// as an anchor's), and MemberName their profile's name.
	Member     *protocol.PublicKey `json:"member,omitempty"`
	MemberName string              `json:"member_name,omitempty"`
	// AlreadyConnected, in POST /api/peers's answer, says the peer was
	// connected before: the address given was not dialled (it is kept an hour
	// for later dials), and Addresses are those of the connections.
	AlreadyConnected bool `json:"already_connected,omitempty"`
}

// ConnectRequest is POST /api/peers.
type ConnectRequest struct {
	Address string `json:"address"`
}

// Community is one community this node holds.
type Community struct {
	ID         protocol.ID `json:"id"`
	Name       string      `json:"name"`
	Domain     string      `json:"domain,omitempty"`
	Charter    string      `json:"charter,omitempty"`
	InviteOnly bool        `json:"invite_only"`
	Members    int         `json:"members"`  // admitted now
	Standing   string      `json:"standing"` // this node's member in it: founder, moderator, member, none, removed
	Records    uint64      `json:"records"`  // accepted records held
	// Unshared counts what the member wrote after a moderator removed
	// them (see UnsharedRecord), also once admitted again.
	Unshared int `json:"unshared,omitempty"`
	// Digest is the fingerprint of the set of accepted records held (the
	// one sync compares): two nodes hold the same records of a community
	// exactly when their digests are equal.
	Digest string    `json:"digest"`
	Sync   SyncState `json:"sync"`
}

// SyncState is where catch-up sync stands for one community.
type SyncState struct {
	LastSync   int64  `json:"last_sync,omitempty"` // unix ms of the last successful session
	LastPeer   string `json:"last_peer,omitempty"`
	InProgress bool   `json:"in_progress"`
	Fetched    int    `json:"fetched"` // records received by the last or current session
	Missing    int    `json:"missing"` // records that session found missing here
	LastError  string `json:"last_error,omitempty"`
}

// SyncResult is what one sync session did with one peer.
type SyncResult struct {
	Peer    string `json:"peer"`
	Fetched int    `json:"fetched"`
	Sent    int    `json:"sent"`
	Rounds  int    `json:"rounds"`
	Bytes   int    `json:"bytes"`
	Error   string `json:"error,omitempty"`
}

// SyncAnswer is POST /api/communities/{id}/sync.
type SyncAnswer struct {
	Community protocol.ID  `json:"id"`
	Started   bool         `json:"started,omitempty"` // without wait: running in the background (with wait, Results say how it went)
	Results   []SyncResult `json:"results,omitempty"`
}

// CreateCommunityRequest is POST /api/communities.
type CreateCommunityRequest struct {
	Name       string `json:"name"`
	Domain     string `json:"domain,omitempty"`
	Charter    string `json:"charter,omitempty"`
	InviteOnly bool   `json:"invite_only,omitempty"`
}

// Created is the answer to every request that makes a record.
type Created struct {
	ID protocol.ID `json:"id"`
}

// InviteRequest is POST /api/communities/{id}/invites.
type InviteRequest struct {
	Uses    uint32 `json:"uses,omitempty"`    // default 1
	Expires string `json:"expires,omitempty"` // a Go duration, default 168h
	// Device asks for a code for another device of the member's own: it
	// carries no invite, so it admits no one new, and any member may make
	// one, in an invite-only community too.
	Device bool `json:"device,omitempty"`
	// Label names the invite in the moderators' list ("Acme pilot
	// team"); every member's node stores it with the invite.
	Label string `json:"label,omitempty"`
}

// InviteCode is the answer to an invite request.
type InviteCode struct {
	Code      string      `json:"code"`
	Community protocol.ID `json:"community"`
	Invite    protocol.ID `json:"invite,omitempty"` // zero for an open community
	Expires   int64       `json:"expires,omitempty"`
}

// JoinRequest is POST /api/join.
type JoinRequest struct {
	Code string `json:"code"`
}

// PostRequest is POST /api/communities/{id}/posts.
type PostRequest struct {
	Type  string   `json:"type,omitempty"` // discussion (default), question, announcement
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Tags  []string `json:"tags,omitempty"`
	Files []File   `json:"files,omitempty"` // uploaded first with POST /api/files
}

// ThreadQuery is the query of GET /api/communities/{id}/posts.
type ThreadQuery struct {
	Cursor     string
	Limit      int
	Active     bool   // by latest activity instead of newest first
	Tag        string // only threads with this tag
	Type       string // only threads of this type: discussion, question, announcement
	Unanswered bool   // only questions without an accepted answer
	// Author keeps only threads this member started, AnsweredBy only
	// threads whose accepted answer this member wrote; zero for any.
	Author, AnsweredBy protocol.PublicKey
}

// ReplyRequest is POST /api/posts/{id}/replies: a reply to a thread, or
// to a reply (threaded under it).
type ReplyRequest struct {
	Body  string `json:"body"`
	Files []File `json:"files,omitempty"`
}

// EditRequest is POST /api/posts/{id}/edits: a new version of one's own
// post or reply. Empty fields keep the current version's (a reply has
// only a body).
type EditRequest struct {
	Title string   `json:"title,omitempty"`
	Body  string   `json:"body,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	// Clear names fields a post's edit empties ("body", "tags"): an empty
	// field otherwise keeps the current version's (but "tags": [], given,
	// empties the tags, as in a note's revision).
	Clear []string `json:"clear,omitempty"`
	// Files are attached to the new version, beside those it keeps (upload
	// them first with POST /api/files); Remove are the hashes of
	// attachments it no longer has.
	Files  []File        `json:"files,omitempty"`
	Remove []protocol.ID `json:"remove,omitempty"`
}

// Thread is a thread as lists show it.
type Thread struct {
	ID           protocol.ID        `json:"id"`
	Community    protocol.ID        `json:"community"`
	Author       protocol.PublicKey `json:"author"`
	Type         string             `json:"type"`
	Title        string             `json:"title"`
	Tags         []string           `json:"tags,omitempty"`
	Created      int64              `json:"created"`
	LastActivity int64              `json:"last_activity"`
	Replies      int                `json:"replies"`
	Accepted     *protocol.ID       `json:"accepted,omitempty"`
	Reactions    Reactions          `json:"reactions"`
}

// Reactions counts the members who reacted to a post, reply or note.
type Reactions struct {
	Helpful int `json:"helpful"`
	PlusOne int `json:"plus_one"`
	Applied int `json:"applied"` // "I applied this"
	// Mine holds the reactions this node's member gave, by name
	// ("helpful", "+1", "applied"), with the record that says each:
	// deleting it takes the reaction back. Shown in a thread or note,
	// not in lists.
	Mine map[string]protocol.ID `json:"mine,omitempty"`
}

// ReactRequest is POST /api/records/{id}/reactions.
type ReactRequest struct {
	Reaction string `json:"reaction"` // helpful, +1 or applied
}

// Threads is a page of threads.
type Threads struct {
	Items []Thread `json:"items"`
	Next  string   `json:"next,omitempty"`
}

// Message is a post or reply with its text.
type Message struct {
	ID      protocol.ID        `json:"id"`
	Author  protocol.PublicKey `json:"author"`
	Created int64              `json:"created"`
	Body    string             `json:"body"`
	Deleted bool               `json:"deleted,omitempty"`
	// Edited is when the version shown was written, if it is an edit.
	Edited    int64     `json:"edited,omitempty"`
	Reactions Reactions `json:"reactions"`
	Files     []File    `json:"files,omitempty"`
	// ReplyTo is the reply this one answers, when it answers a reply in
	// the thread rather than the post.
	ReplyTo *protocol.ID `json:"reply_to,omitempty"`
	// ReplyToAuthor is who wrote that reply, if this node holds it.
	ReplyToAuthor *protocol.PublicKey `json:"reply_to_author,omitempty"`
}

// ModerationEntry is one moderator action, as the moderation log lists it.
type ModerationEntry struct {
	ID protocol.ID        `json:"id"` // the record of the action
	By protocol.PublicKey `json:"by"`
	At int64              `json:"at"` // unix ms
	// Action is a role change (moderator, revoke, admit, remove,
	// revoke-invite), hide, unhide (a record shown again) or delete (of
	// another member's record).
	Action string              `json:"action"`
	Member *protocol.PublicKey `json:"member,omitempty"` // whose role changed
	// Target is the record hidden, shown again or deleted, or the invite
	// revoked; Title says what it was, for people.
	Target *protocol.ID `json:"target,omitempty"`
	Title  string       `json:"title,omitempty"`
	Reason string       `json:"reason,omitempty"`
}

// moderationWords are the log's actions as people say them.
var moderationWords = map[string]string{
	"moderator": "made moderator", "revoke": "revoked moderator", "admit": "admitted", "remove": "removed",
	"revoke-invite": "withdrew an invite", "hide": "hid", "unhide": "showed again", "delete": "deleted",
}

// Did is the entry's action as people say it ("made moderator", "hid"),
// for the CLI's log and the web UI's alike.
func (e ModerationEntry) Did() string {
	if w, ok := moderationWords[e.Action]; ok {
		return w
	}
	return e.Action
}

// ModerationLog is GET /api/communities/{id}/moderation: a page of it,
// newest first.
type ModerationLog struct {
	Items []ModerationEntry `json:"items"`
	Next  string            `json:"next,omitempty"`
}

// Device is one of the member's nodes, as GET /api/devices lists them.
type Device struct {
	PeerID string `json:"peer_id"`
	Name   string `json:"name,omitempty"`
	// This is set for the node answering.
	This bool `json:"this,omitempty"`
	// Communities are those held here that the member vouches for it in.
	Communities []protocol.ID `json:"communities"`
	Since       int64         `json:"since"` // unix ms of the newest vouching for it
}

// DeviceName is PUT /api/devices/this/name's request: the name this node
// goes by in the member's device list ("" unnames it).
type DeviceName struct {
	Name string `json:"name"`
}

// DeviceNamed is PUT /api/devices/this/name's answer.
type DeviceNamed struct {
	Communities int `json:"communities"` // the name was published in this many
}

// DeviceRemoved is DELETE /api/devices/{peer}'s answer.
type DeviceRemoved struct {
	Communities int `json:"communities"` // the device was vouched for in this many
}

// MaxShownReplies bounds the replies a ThreadDetail lists, so that one
// thread cannot make a page or an answer of unbounded size.
const MaxShownReplies = 5000

// ThreadDetail is GET /api/posts/{id}.
type ThreadDetail struct {
	Thread
	Body  string `json:"body"`
	Files []File `json:"files,omitempty"` // the post's attachments
	// Edited is when the version shown was written, if it is an edit.
	Edited  int64     `json:"edited,omitempty"`
	Replies []Message `json:"replies"`
	// RepliesCut says that Replies holds only the thread's first
	// MaxShownReplies replies, oldest first.
	RepliesCut    bool     `json:"replies_cut,omitempty"`
	AcceptedReply *Message `json:"accepted_reply,omitempty"`
	// Note is the knowledge note the thread was made into, if it was.
	Note *protocol.ID `json:"note,omitempty"`
}

// Version is one version of a post, reply or event: the original, then
// each edit of its author's.
type Version struct {
	ID      protocol.ID `json:"id"`
	Created int64       `json:"created"`
	Title   string      `json:"title,omitempty"`
	Body    string      `json:"body"`
	Tags    []string    `json:"tags,omitempty"`
	Files   []File      `json:"files,omitempty"`
	// An event's version has its time (unix ms; End 0 if open-ended),
	// place or link, and the notes of its agenda and minutes.
	Start   int64        `json:"start,omitempty"`
	End     int64        `json:"end,omitempty"`
	Place   string       `json:"place,omitempty"`
	Link    string       `json:"link,omitempty"`
	Agenda  *protocol.ID `json:"agenda,omitempty"`
	Minutes *protocol.ID `json:"minutes,omitempty"`
	// Lines is what this version changed in the text of the one before
	// (the first: every line is new).
	Lines []DiffLine `json:"lines"`
}

// Versions is GET /api/records/{id}/versions: every version of a post,
// reply or event, oldest first.
type Versions struct {
	Record    protocol.ID        `json:"id"` // the original
	Kind      string             `json:"kind"`
	Community protocol.ID        `json:"community"`
	Author    protocol.PublicKey `json:"author"`
	Thread    protocol.ID        `json:"thread,omitzero"` // of a post or reply
	Items     []Version          `json:"items"`
}

// NoteRequest is POST /api/communities/{id}/notes: a new note, or, with
// From, a thread promoted to a note (empty fields are filled from it).
type NoteRequest struct {
	Title string       `json:"title"`
	Body  string       `json:"body"`
	Tags  []string     `json:"tags,omitempty"`
	From  *protocol.ID `json:"from,omitempty"`
	Files []File       `json:"files,omitempty"`
}

// RevisionRequest is POST /api/notes/{id}/revisions: a new revision that
// follows Parents (default: every current head, so that it merges them).
// Empty fields keep the current revision's; Revert copies an earlier
// revision's title, text and tags instead.
type RevisionRequest struct {
	Title   string        `json:"title,omitempty"`
	Body    string        `json:"body,omitempty"`
	Tags    []string      `json:"tags,omitempty"`
	Parents []protocol.ID `json:"parents,omitempty"`
	Revert  *protocol.ID  `json:"revert,omitempty"`
	// Clear names fields the revision empties ("tags"): an empty field
	// otherwise comes from the revisions it follows.
	Clear []string `json:"clear,omitempty"`
	// Files are attached beside those the revision keeps (upload them
	// first with POST /api/files); Remove are the hashes of attachments
	// it no longer has.
	Files  []File        `json:"files,omitempty"`
	Remove []protocol.ID `json:"remove,omitempty"`
}

// Note is a note as lists show it; its id is its first revision's.
type Note struct {
	ID        protocol.ID        `json:"id"`
	Community protocol.ID        `json:"community"`
	Author    protocol.PublicKey `json:"author"` // of the first revision
	Title     string             `json:"title"`
	Tags      []string           `json:"tags,omitempty"`
	Created   int64              `json:"created"`
	Updated   int64              `json:"updated"`
	Revisions int                `json:"revisions"`
	Heads     int                `json:"heads"` // more than one: edits made apart, waiting for a merge
	From      *protocol.ID       `json:"from,omitempty"`
	Reactions Reactions          `json:"reactions"`
}

// Notes is a page of notes.
type Notes struct {
	Items []Note `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Revision is one revision of a note.
type Revision struct {
	ID      protocol.ID        `json:"id"`
	Author  protocol.PublicKey `json:"author"`
	Created int64              `json:"created"`
	Title   string             `json:"title"`
	Parents []protocol.ID      `json:"parents,omitempty"`
}

// Head is a current head of a note, with its text.
type Head struct {
	Revision
	Body  string   `json:"body"`
	Tags  []string `json:"tags,omitempty"`
	Files []File   `json:"files,omitempty"`
}

// NoteDetail is GET /api/notes/{id}: the note, its heads (the current one
// first) and every revision in order.
type NoteDetail struct {
	Note
	Heads   []Head     `json:"heads_detail"`
	History []Revision `json:"history"`
}

// NoteDiff is GET /api/notes/{id}/diff?a=&b=: what revision b changed
// against revision a, line by line.
type NoteDiff struct {
	A      protocol.ID `json:"a"`
	B      protocol.ID `json:"b"`
	TitleA string      `json:"title_a"`
	TitleB string      `json:"title_b"`
	TagsA  []string    `json:"tags_a,omitempty"`
	TagsB  []string    `json:"tags_b,omitempty"`
	Lines  []DiffLine  `json:"lines"`
}

// DiffLine is one line of a diff: op is " ", "-" or "+".
type DiffLine struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// ProfileRequest is PUT /api/profile: who the member is, published to
// every community the member is in. GET /api/profile answers with the
// current one, the newest published.
type ProfileRequest struct {
	Name      string   `json:"name"`
	Org       string   `json:"org,omitempty"`
	Expertise []string `json:"expertise,omitempty"`
	Bio       string   `json:"bio,omitempty"`
}

// ProfileAnswer says where a profile was published.
type ProfileAnswer struct {
	Communities []protocol.ID `json:"communities"`
	// Kept says the member is in no community yet: the profile is kept,
	// and published in the first one they create or join.
	Kept bool `json:"kept,omitempty"`
}

// Member is one member of a community with their standing and profile.
type Member struct {
	Key       protocol.PublicKey `json:"key"`
	Standing  string             `json:"standing"` // founder, moderator, member, pending, removed
	Name      string             `json:"name,omitempty"`
	Org       string             `json:"org,omitempty"`
	Expertise []string           `json:"expertise,omitempty"`
	Bio       string             `json:"bio,omitempty"`
}

// Members is a page of members.
type Members struct {
	Items []Member `json:"items"`
	Next  string   `json:"next,omitempty"`
}

// Expert is a member ranked by their evidence of knowing a topic.
type Expert struct {
	Member
	Declared bool `json:"declared"` // the topic is in their declared expertise
	Accepted int  `json:"accepted"` // accepted answers in threads with the tag
	Helpful  int  `json:"helpful"`  // helpful reactions to their posts and replies with the tag
	Score    int  `json:"score"`    // 5 per accepted answer, 3 for declaring it, 1 per helpful
}

// EventRequest is POST /api/communities/{id}/events, and, as an edit of
// one's own event, POST /api/events/{id}/edits (empty fields keep the
// current version's). Times are RFC 3339.
type EventRequest struct {
	Title   string       `json:"title,omitempty"`
	Start   string       `json:"start,omitempty"`
	End     string       `json:"end,omitempty"`
	Where   string       `json:"where,omitempty"` // a place, or an http(s) link
	Body    string       `json:"body,omitempty"`
	Tags    []string     `json:"tags,omitempty"`
	Agenda  *protocol.ID `json:"agenda,omitempty"`  // a note
	Minutes *protocol.ID `json:"minutes,omitempty"` // a note
	Files   []File       `json:"files,omitempty"`
	// Clear names fields an edit empties (end, where, body, tags, agenda,
	// minutes): an edit keeps the fields it leaves empty.
	Clear []string `json:"clear,omitempty"`
	// Remove, in an edit, are the hashes of attachments the new version
	// no longer has (Files are attached beside the others).
	Remove []protocol.ID `json:"remove,omitempty"`
}

// Event is an event as lists show it.
type Event struct {
	ID        protocol.ID        `json:"id"`
	Community protocol.ID        `json:"community"`
	Author    protocol.PublicKey `json:"author"`
	Title     string             `json:"title"`
	Start     int64              `json:"start"`         // unix ms
	End       int64              `json:"end,omitempty"` // unix ms
	Place     string             `json:"place,omitempty"`
	Link      string             `json:"link,omitempty"`
	Body      string             `json:"body,omitempty"`
	Tags      []string           `json:"tags,omitempty"`
	Agenda    *protocol.ID       `json:"agenda,omitempty"`
	Minutes   *protocol.ID       `json:"minutes,omitempty"`
	// AgendaTitle and MinutesTitle are those notes' titles.
	AgendaTitle  string `json:"agenda_title,omitempty"`
	MinutesTitle string `json:"minutes_title,omitempty"`
	Files        []File `json:"files,omitempty"`
	Yes          int    `json:"yes"`
	No           int    `json:"no"`
	Maybe        int    `json:"maybe"`
	Mine         string `json:"mine,omitempty"` // this member's answer
	// AuthorName is who announced it, by their profile's name.
	AuthorName string `json:"author_name,omitempty"`
	// Answers are who answered what, yes first, then maybe, then no (GET
	// /api/events/{id} only: lists leave them out).
	Answers []EventAnswer `json:"answers,omitempty"`
	// Edited is when the version shown was written, if it is a change
	// of the event (GET /api/records/{id}/versions lists them).
	Edited int64 `json:"edited,omitempty"`
	// Over is set once the event has ended (one without an end, an hour
	// after it started): it is listed with the past events.
	Over bool `json:"over,omitempty"`
}

// EventAnswer is one member's answer to an event.
type EventAnswer struct {
	Member protocol.PublicKey `json:"member"`
	Name   string             `json:"name,omitempty"` // their profile's name
	Answer string             `json:"answer"`         // yes, maybe or no
}

// AnswerGroup is the members who gave one answer to an event.
type AnswerGroup struct {
	Answer  string
	Members []EventAnswer
}

// AnswerGroups groups e's Answers by answer, in their order (yes, maybe,
// no): who is coming, as the CLI and the web UI list them.
func (e Event) AnswerGroups() []AnswerGroup {
	var out []AnswerGroup
	for _, a := range e.Answers {
		if len(out) == 0 || out[len(out)-1].Answer != a.Answer {
			out = append(out, AnswerGroup{Answer: a.Answer})
		}
		g := &out[len(out)-1]
		g.Members = append(g.Members, a)
	}
	return out
}

// Events is a page of events.
type Events struct {
	Items []Event `json:"items"`
	Next  string  `json:"next,omitempty"`
}

// RSVPRequest is POST /api/events/{id}/rsvp.
type RSVPRequest struct {
	Answer string `json:"answer"` // yes, no or maybe
}

// RoleRequest is POST /api/communities/{id}/roles.
type RoleRequest struct {
	Member protocol.PublicKey `json:"member"`
	Action string             `json:"action"` // moderator, revoke, admit or remove
	Reason string             `json:"reason,omitempty"`
}

// InviteInfo is an invite of an invite-only community, as its records
// have it: one item of GET /api/communities/{id}/invites.
type InviteInfo struct {
	ID      protocol.ID        `json:"id"`
	Author  protocol.PublicKey `json:"author"`
	Created int64              `json:"created"`           // unix ms
	Expires int64              `json:"expires,omitempty"` // unix ms
	Uses    int                `json:"uses"`              // joins admitted with it
	MaxUses uint32             `json:"max_uses,omitempty"`
	Label   string             `json:"label,omitempty"`
	Revoked int64              `json:"revoked,omitempty"` // unix ms of the revocation
	// State is "open" (joins may still use it), "used up", "expired" or
	// "revoked".
	State string `json:"state"`
}

// ModerationRequest is POST /api/records/{id}/delete, .../hide and
// .../unhide.
type ModerationRequest struct {
	Reason string `json:"reason,omitempty"`
	// WholeNote confirms deleting a note's first revision, which deletes
	// the whole note with every member's revisions: without it, that is
	// refused when others wrote revisions.
	WholeNote bool `json:"whole_note,omitempty"`
}

// HiddenRecord is a record a moderator hid, and the hide: one item of
// GET /api/communities/{id}/hidden.
type HiddenRecord struct {
	ID       protocol.ID        `json:"id"` // the hidden record
	Kind     string             `json:"kind"`
	Author   protocol.PublicKey `json:"author"`
	Created  int64              `json:"created"`         // unix ms
	Title    string             `json:"title,omitempty"` // its title, or the start of its text
	Text     string             `json:"text,omitempty"`  // its text, as written, for a moderator to read before showing it again (none for others)
	Hide     protocol.ID        `json:"hide"`            // the hide record
	HiddenBy protocol.PublicKey `json:"hidden_by"`
	HiddenAt int64              `json:"hidden_at"` // unix ms
	Reason   string             `json:"reason,omitempty"`
}

// HiddenRecords is a page of a community's hides in force, oldest first.
type HiddenRecords struct {
	Items []HiddenRecord `json:"items"`
	Next  string         `json:"next,omitempty"`
}

// UnsharedRecord is a record the member wrote in a community after a
// moderator removed them (before their node learned of it): their node
// keeps it, no member's node takes it. One item of
// GET /api/communities/{id}/unshared.
type UnsharedRecord struct {
	ID      protocol.ID `json:"id"`
	Kind    string      `json:"kind"`
	Created int64       `json:"created"` // unix ms
	Title   string      `json:"title,omitempty"`
	Text    string      `json:"text,omitempty"` // Markdown, as written
	// In is the thread, note or event it is part of ("thread", "note",
	// "event"), with InID its id, when that is not the record itself.
	In   string       `json:"in,omitempty"`
	InID *protocol.ID `json:"in_id,omitempty"`
}

// UnsharedRecords is a page of the member's unshared records, oldest
// first.
type UnsharedRecords struct {
	Items []UnsharedRecord `json:"items"`
	Next  string           `json:"next,omitempty"`
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"`
}

// ImportResult is POST /api/import's answer: what the archive held, what
// was new here, and the community's digest now, to compare with the
// archive's.
type ImportResult struct {
	Community       protocol.ID `json:"community"`
	Announced       uint64      `json:"announced"`         // records the archive's header announced
	AnnouncedDigest string      `json:"announced_digest"`  // the digest the exporter held
	Records         uint64      `json:"records"`           // records read and valid
	Added           int         `json:"added"`             // of those, new on this node
	Refused         int         `json:"refused,omitempty"` // of those, refused: authors not admitted, over the store's bound
	Held            uint64      `json:"held"`              // accepted records held now
	Digest          string      `json:"digest"`            // their digest now
}

// Match is a record or file whose id starts with the digits asked for.
type Match struct {
	ID protocol.ID `json:"id"`
	// What it is: a record's kind ("community" for a community's id,
	// "post", "note", ...), or "file".
	What string `json:"what"`
	// Title is a post's, note's or event's title, or a file's name: what
	// tells matches apart for a person.
	Title string `json:"title,omitempty"`
}

// ResolveAnswer lists the matches of an id prefix: records shown on the
// node (accepted, not deleted) and files they name, at most MaxMatches of
// each.
type ResolveAnswer struct {
	Matches []Match `json:"matches"`
}

// MaxMatches bounds the matches of an id prefix a node lists.
const MaxMatches = 10

// File is an attachment: a file a record names by its hash (see
// protocol.Attachment), size, name and media type.
type File struct {
	Hash protocol.ID `json:"hash"`
	Size uint64      `json:"size"`
	Name string      `json:"name"`
	Type string      `json:"type"`
	// In answers: whether the bytes are on this node, and while they are
	// being fetched, how many have come.
	Here     bool   `json:"here"`
	Fetching bool   `json:"fetching,omitempty"`
	Received uint64 `json:"received,omitempty"`
	// For a file not here: OverLimit is this node's max_file_mb, in
	// bytes, when the file is larger (this node will not fetch it, so no
	// one should be offered a fetch bound to fail); FetchError is why
	// the last fetch of it failed, until one works (a fetch goes on
	// after whoever asked for it stopped waiting).
	OverLimit  uint64 `json:"over_limit,omitempty"`
	FetchError string `json:"fetch_error,omitempty"`
}

// FileEntry is a file of a community, with the record that names it and
// whether its bytes are on this node.
type FileEntry struct {
	File
	Record  protocol.ID        `json:"record"`
	Kind    string             `json:"kind"`
	Author  protocol.PublicKey `json:"author"`
	Created int64              `json:"created"`
}

// Files is GET /api/communities/{id}/files.
type Files struct {
	Files []FileEntry `json:"files"`
	Next  string      `json:"next,omitempty"`
}

// FileProgress is one line of POST /api/files/{hash}/fetch: how far the
// fetch is, and at the end, whether it worked.
type FileProgress struct {
	Received uint64 `json:"received"`
	Size     uint64 `json:"size"`
	Done     bool   `json:"done,omitempty"`
	Error    string `json:"error,omitempty"`
}
