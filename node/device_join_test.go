package node

import (
	"context"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestSecondDeviceJoinsWithADeviceCode: a plain member of an invite-only
// community (no moderator) brings a second device in with a device code;
// the same code admits no stranger.
func TestSecondDeviceJoinsWithADeviceCode(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Closed", InviteOnly: true})
	must(t, err)
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)
	_, err = b.Join(ctx, code.Code)
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "History"})
	must(t, err)

	if _, err := b.Invite(ctx, community, api.InviteRequest{}); err == nil {
		t.Fatal("a plain member made an invite to an invite-only community")
	}
	device, err := b.Invite(ctx, community, api.InviteRequest{Device: true})
	must(t, err)
	if !device.Invite.IsZero() {
		t.Error("a device code carries an invite")
	}

	// b's second device: the same member key, a new node.
	b2 := startSecondDevice(t, b, "")
	got, err := b2.Join(ctx, device.Code)
	must(t, err)
	if got != community {
		t.Fatalf("joined %s, want %s", got, community)
	}
	if n := countThreads(t, b2, community); n != 1 {
		t.Errorf("the second device sees %d threads, want 1", n)
	}

	// A stranger with the device code stays outside.
	c := startTestNode(t)
	if _, err := c.Join(ctx, device.Code); err == nil {
		if m := c.store.Membership(community); m != nil && m.Standing(c.id.MemberKey()).Admitted() {
			t.Error("a stranger was admitted with a device code")
		}
	}
	if cs, _ := c.Communities(ctx); len(cs) != 0 {
		t.Errorf("a stranger with a device code holds %+v", cs)
	}
}
