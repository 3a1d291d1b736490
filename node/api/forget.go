package api

import (
	"strconv"

	"github.com/kith-network/kith/protocol"
)

// ForgetPreview is GET /api/communities/{id}/forget: what forgetting the
// community would delete from this node, and what may be lost with it.
type ForgetPreview struct {
	Community protocol.ID `json:"id"`
	Name      string      `json:"name"`
	Records   uint64      `json:"records"`  // accepted records held
	Mine      int         `json:"mine"`     // of those, the member's (live)
	Members   int         `json:"members"`  // admitted now
	Standing  string      `json:"standing"` // the member's: founder, moderator, member, none, removed
	Peers     int         `json:"peers"`    // connected in the community now
	// Files are the attachments held here that no other community names:
	// deleted with it.
	Files int `json:"files"`
	// NewestMine is when the member's newest record was written (unix
	// ms), LastSync when a sync session with a peer last completed since
	// the daemon started (0: none).
	NewestMine int64  `json:"newest_mine,omitempty"`
	LastSync   int64  `json:"last_sync,omitempty"`
	LastPeer   string `json:"last_peer,omitempty"`
	// MaybeOnlyHere is set when the member wrote records after the last
	// sync: gossip most likely carried them, but no peer confirmed it.
	MaybeOnlyHere bool `json:"maybe_only_here"`
}

// Yours says in words how many of the records are the member's: "all
// yours", "none yours", "3 yours" (the CLI and the web UI say it alike).
func (p ForgetPreview) Yours() string {
	switch {
	case p.Mine == 0:
		return "none yours"
	case uint64(p.Mine) >= p.Records:
		return "all yours"
	}
	return strconv.Itoa(p.Mine) + " yours"
}

// Alone reports whether no one else may hold the community: its member
// is its only one, and no node sharing it is connected.
func (p ForgetPreview) Alone() bool { return p.Members <= 1 && p.Peers == 0 }

// Stays says what forgetting leaves as it is, by the member's standing
// (the CLI and the web UI say it alike).
func (p ForgetPreview) Stays() string {
	switch p.Standing {
	case "none":
		return "Nothing is sent to anyone: you are not a member (this node holds a copy), and the members keep everything."
	case "removed":
		return "Nothing is sent to anyone: a moderator removed you, and the members keep everything."
	}
	return "Nothing is sent to anyone: you stay a member, the other members keep everything, and joining again with an invite code brings it back."
}

// AloneWarning is what Alone means, by the member's standing.
func (p ForgetPreview) AloneWarning() string {
	if p.Standing == "none" || p.Standing == "removed" {
		return "No node that holds it is connected, and it may have no member left: unless another node holds it, it is gone for good."
	}
	return "You are its only member and no node that holds it is connected: unless another of your devices holds it, it is gone for good."
}

// ForgetAnswer is DELETE /api/communities/{id}.
type ForgetAnswer struct {
	Community protocol.ID `json:"id"`
	Name      string      `json:"name"`
	Records   int         `json:"records"` // records deleted
	// Alone says the member was its only member, with no peer connected:
	// no one else may hold it to join again from.
	Alone bool `json:"alone,omitempty"`
}
