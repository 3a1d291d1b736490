package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestRoleChangesThatChangeNothing: a role record that would change
// nothing, or make a key that never joined a moderator, is refused before
// it is signed, saying why; removing a key before it joins is allowed.
func TestRoleChangesThatChangeNothing(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Roles", b)
	bKey := b.id.MemberKey()
	stranger := protocol.PublicKeyOf(prototest.Key("stranger"))
	role := func(who protocol.PublicKey, action string) error {
		_, err := a.SetRole(ctx, community, api.RoleRequest{Member: who, Action: action})
		return err
	}
	for _, c := range []struct {
		who    protocol.PublicKey
		action string
		want   string // "" when it is done
	}{
		{bKey, "revoke", "is not a moderator (member)"},
		{bKey, "admit", "is a member already"},
		{stranger, "moderator", "is not a member (none): admit them first"},
		{bKey, "moderator", ""},
		{bKey, "moderator", "is a moderator already"},
		{bKey, "revoke", ""},
		{stranger, "remove", ""},
		{stranger, "remove", "is removed already"},
		{stranger, "admit", ""},
	} {
		err := role(c.who, c.action)
		if c.want == "" && err != nil || c.want != "" && (!errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %x…: %v, want %q", c.action, c.who[:4], err, c.want)
		}
	}
	// A moderator removing themselves (a prefix of one's own key is an
	// easy slip, and only another moderator could undo it).
	must(t, role(bKey, "moderator"))
	waitFor(t, "b a moderator on b", 10*time.Second, func() bool {
		return b.store.Membership(community).Standing(bKey) == protocol.StandingModerator
	})
	if _, err := b.SetRole(ctx, community, api.RoleRequest{Member: bKey, Action: "remove"}); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "that is you") {
		t.Errorf("a moderator removing themselves: %v", err)
	}
}

// TestInviteLimitsOnlyWhereEnforced: uses and expiry are refused for a
// code of an open community and for a device code, where no node would
// enforce them; they make an invite record in an invite-only one.
func TestInviteLimitsOnlyWhereEnforced(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	open, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Open"})
	must(t, err)
	closed, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Closed", InviteOnly: true})
	must(t, err)
	for _, c := range []struct {
		community protocol.ID
		req       api.InviteRequest
		want      string
	}{
		{open, api.InviteRequest{Uses: 3}, "is open"},
		{open, api.InviteRequest{Expires: "24h"}, "is open"},
		{closed, api.InviteRequest{Device: true, Uses: 2}, "a device code admits no one new"},
		{open, api.InviteRequest{}, ""},
		{closed, api.InviteRequest{Uses: 3, Expires: "24h"}, ""},
	} {
		code, err := a.Invite(ctx, c.community, c.req)
		if c.want == "" && (err != nil || code.Code == "") || c.want != "" && (!errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("invite %+v: %v, want %q", c.req, err, c.want)
		}
	}
}
