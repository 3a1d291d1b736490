package node

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// An invite code carries everything a newcomer needs to join: the
// community's genesis record, for an invite-only community the invite
// record and the private key that proves the code was given to them, and
// addresses of the inviting node to connect to. It is one line of text a
// person can paste: "kith:" and the base64url of a CBOR map.

const (
	invitePrefix   = "kith:"
	maxInviteCode  = 32 << 10 // characters; a real code is 1-3 KiB
	maxInviteAddrs = 16
)

// Invite is a decoded, validated invite code.
type Invite struct {
	Genesis *protocol.Record   // the community
	Invite  *protocol.Record   // nil for an open community
	Key     ed25519.PrivateKey // the invite's private key; nil for an open community
	Addrs   []multiaddr.Multiaddr
}

// Community returns the community the code is for.
func (inv *Invite) Community() protocol.ID { return inv.Genesis.ID() }

type inviteWire struct {
	Genesis []byte   `cbor:"1,keyasint"`
	Invite  []byte   `cbor:"2,keyasint,omitempty"`
	Seed    []byte   `cbor:"3,keyasint,omitempty"`
	Addrs   []string `cbor:"4,keyasint,omitempty"`
}

// EncodeInvite makes an invite code.
func EncodeInvite(inv *Invite) (string, error) {
	w := inviteWire{Genesis: inv.Genesis.Encode()}
	if inv.Invite != nil {
		w.Invite, w.Seed = inv.Invite.Encode(), inv.Key.Seed()
	}
	for _, a := range inv.Addrs {
		w.Addrs = append(w.Addrs, a.String())
	}
	b, err := cbor.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("encode invite: %w", err)
	}
	return invitePrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// ParseInvite decodes an invite code and validates everything in it: the
// records go through protocol.Validate, the invite must belong to the
// community and its key must match, the addresses must parse.
func ParseInvite(code string, now time.Time) (*Invite, error) {
	code = strings.TrimSpace(code)
	if len(code) > maxInviteCode {
		return nil, fmt.Errorf("invite code is %d characters, more than any real code (%d)", len(code), maxInviteCode)
	}
	rest, ok := strings.CutPrefix(code, invitePrefix)
	if !ok {
		return nil, errors.New(`not an invite code: it should start with "kith:"`)
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New("invite code is damaged (not base64url): copy it again, whole")
	}
	var w inviteWire
	if err := cbor.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("invite code is damaged: %w", err)
	}
	inv := &Invite{}
	if inv.Genesis, err = protocol.Validate(w.Genesis, now); err != nil {
		return nil, fmt.Errorf("invite code: community record: %w", err)
	}
	if inv.Genesis.Header.Kind != protocol.KindCommunity {
		return nil, fmt.Errorf("invite code: first record is %s, not a community", aOrAn(inv.Genesis.Header.Kind))
	}
	if len(w.Invite) > 0 {
		if inv.Invite, err = protocol.Validate(w.Invite, now); err != nil {
			return nil, fmt.Errorf("invite code: invite record: %w", err)
		}
		body, ok := inv.Invite.Content().(*protocol.Invite)
		if !ok || inv.Invite.Community() != inv.Genesis.ID() {
			return nil, errors.New("invite code: the invite is not an invite to this community")
		}
		if len(w.Seed) != ed25519.SeedSize {
			return nil, errors.New("invite code: the invite key is missing or damaged")
		}
		inv.Key = ed25519.NewKeyFromSeed(w.Seed)
		if protocol.PublicKeyOf(inv.Key) != body.Key {
			return nil, errors.New("invite code: the invite key does not match the invite")
		}
		if now.UnixMilli() > body.Expires {
			return nil, fmt.Errorf("invite code expired on %s: ask for a new one", time.UnixMilli(body.Expires).UTC().Format(time.RFC1123))
		}
	}
	if len(w.Addrs) > maxInviteAddrs {
		return nil, fmt.Errorf("invite code lists %d addresses, at most %d are allowed", len(w.Addrs), maxInviteAddrs)
	}
	for _, s := range w.Addrs {
		a, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("invite code: address %q: %w", s, err)
		}
		inv.Addrs = append(inv.Addrs, a)
	}
	return inv, nil
}

// joinRefusal says why, by this node's records, a peer that handed over
// submitted is not a member's node of m's community: the person joining
// reads it, and the node knows the invite's state better than a guess.
func joinRefusal(m *protocol.Membership, submitted []*protocol.Record) refusal {
	var join *protocol.Record
	for _, r := range submitted {
		if r.Header.Kind == protocol.KindJoin {
			join = r
		}
	}
	if join == nil {
		// An introduction of a member a moderator admitted (role records
		// and a device record, no join), or a device code's join.
		for _, r := range submitted {
			if r.Header.Kind == protocol.KindDevice && m.Standing(r.Header.Author).Admitted() {
				return refusal{why: "you are a member, but this node holds no device record for your node yet: try again in a moment", retry: true}
			}
		}
		return refused("your node is not a member's node of this invite-only community, and it brought no join: " +
			"a device code lets in only the devices of members; ask a moderator for an invite")
	}
	switch st := m.Standing(join.Header.Author); {
	case st == protocol.StandingRemoved:
		return refused("a moderator removed you from this community; joining again does not change that")
	case st.Admitted():
		return refusal{why: "you are a member, but this node holds no device record for your node yet: try again in a moment", retry: true}
	}
	inv := m.Invites[join.Header.Target]
	switch {
	case join.Header.Target.IsZero() || inv == nil:
		return refused("your join names no invite this node knows: ask a moderator for a new code")
	case inv.Revoked != nil:
		return refused("a moderator revoked the invite of your code: ask for a new one")
	case inv.Invite.Expires != 0 && join.Header.Created > inv.Invite.Expires:
		return refused("the invite of your code expired on %s: ask for a new one", time.UnixMilli(inv.Invite.Expires).UTC().Format(time.RFC1123))
	case inv.Invite.MaxUses != 0 && len(inv.Used) >= int(inv.Invite.MaxUses):
		return refused("the invite of your code is used up (%d of %d joins): ask for a new one", len(inv.Used), inv.Invite.MaxUses)
	}
	return refused("your join does not admit you by this node's records: ask a moderator for a new code")
}

// Invites implements api.Backend: a community's invites, newest first,
// with their state by the records this node holds, so that a moderator
// finds the id to revoke (shown once, when the invite was made) and sees
// which are still open.
func (n *Node) Invites(ctx context.Context, community protocol.ID) ([]api.InviteInfo, error) {
	m, err := n.member(community)
	if err != nil {
		return nil, err
	}
	now := n.now()
	out := []api.InviteInfo{}
	for _, inv := range m.Invites {
		info := api.InviteInfo{ID: inv.ID, Author: inv.Author, Created: inv.Created, Expires: inv.Invite.Expires,
			Uses: len(inv.Used), MaxUses: inv.Invite.MaxUses, Label: inv.Invite.Label, State: "open"}
		switch {
		case inv.Revoked != nil:
			info.Revoked, info.State = inv.Revoked.Created, "revoked"
		case inv.Invite.MaxUses != 0 && len(inv.Used) >= int(inv.Invite.MaxUses):
			info.State = "used up"
		case inv.Invite.Expires != 0 && now > inv.Invite.Expires:
			info.State = "expired"
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b api.InviteInfo) int {
		if c := cmp.Compare(b.Created, a.Created); c != 0 {
			return c
		}
		return a.ID.Compare(b.ID)
	})
	return out, nil
}

// parseValidity reads how long an invite is valid: a Go duration (72h,
// 90m) or whole days (3d), as people count an invite's life.
func parseValidity(s string) (time.Duration, error) {
	const most = maxValidityDays * 24 * time.Hour
	d, err := time.Duration(0), error(nil)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, aerr := strconv.Atoi(days)
		if aerr != nil {
			return 0, fmt.Errorf("expires %q: want whole days (3d) or a duration (72h)", s)
		}
		if n > maxValidityDays {
			return 0, fmt.Errorf("expires %q: at most %d days", s, maxValidityDays)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("expires %q: want a duration such as 72h or 3d", s)
	}
	switch {
	case d <= 0:
		return 0, fmt.Errorf("expires %q: want a positive duration such as 72h or 3d", s)
	case d > most:
		return 0, fmt.Errorf("expires %q: at most %d days", s, maxValidityDays)
	}
	return d, nil
}

// maxValidityDays bounds how long an invite is valid: ten years.
const maxValidityDays = 3650
