package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

// TestDevices: a member lists their nodes (this one first, with the
// communities each is vouched for in) and stops vouching for another;
// this node, an unknown peer and a malformed id are refused. Members'
// nodes then send the removed one nothing of an invite-only community.
func TestDevices(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Closed", InviteOnly: true})
	must(t, err)
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)
	_, err = b.Join(ctx, code.Code)
	must(t, err)
	device, err := b.Invite(ctx, community, api.InviteRequest{Device: true})
	must(t, err)
	b2 := startSecondDevice(t, b, "")
	_, err = b2.Join(ctx, device.Code)
	must(t, err)
	waitFor(t, "b2's device record on b", 10*time.Second, func() bool {
		ds, err := b.Devices(ctx)
		return err == nil && len(ds) == 2
	})
	ds, err := b.Devices(ctx)
	must(t, err)
	if !ds[0].This || ds[0].PeerID != b.PeerID().String() || ds[1].This || ds[1].PeerID != b2.PeerID().String() ||
		len(ds[1].Communities) != 1 || ds[1].Communities[0] != community || ds[1].Since == 0 {
		t.Fatalf("b's devices: %+v", ds)
	}
	for _, c := range []struct {
		peer string
		want error
	}{
		{b.PeerID().String(), api.ErrBadRequest},
		{a.PeerID().String(), api.ErrNotFound},
		{"not-a-peer", api.ErrBadRequest},
		{b.PeerID().String()[:minPeerPrefix+2], api.ErrBadRequest}, // the start of this node's
		{"12D3KooW", api.ErrBadRequest},                            // too short to tell
	} {
		if _, err := b.RemoveDevice(ctx, c.peer); !errors.Is(err, c.want) {
			t.Errorf("remove %s: %v, want %v", c.peer, err, c.want)
		}
	}
	n, err := b.RemoveDevice(ctx, b2.PeerID().String()[:20]) // the start of it, as `kith device list` shows
	must(t, err)
	if n != 1 {
		t.Errorf("removed from %d communities, want 1", n)
	}
	if ds, _ := b.Devices(ctx); len(ds) != 1 || !ds[0].This {
		t.Errorf("b's devices after removing b2: %+v", ds)
	}
	// Every member's node: b's own too, which takes b2 into the topic
	// once b2's device record comes (gossip.Readmitted).
	waitFor(t, "a and b no longer exchanging the community with b2", 10*time.Second, func() bool {
		return !a.allowPeer(community, b2.PeerID()) && !slices.Contains(a.gossip.Peers(community), b2.PeerID()) &&
			!b.allowPeer(community, b2.PeerID()) && !slices.Contains(b.gossip.Peers(community), b2.PeerID())
	})
	// What members write there now reaches the removed node no more.
	p, err := a.Post(ctx, community, api.PostRequest{Title: "after the laptop was retired"})
	must(t, err)
	time.Sleep(2 * time.Second)
	if _, err := b2.store.Get(ctx, p); err == nil {
		t.Error("the removed device received a member's new post")
	}
}

// TestNewNodeKeyVouchedFor: a node whose node key is gone (its member key
// restored alone) starts with a new one, vouches for it in the
// communities its store holds, and a member's node lets it into an
// invite-only community again.
func TestNewNodeKeyVouchedFor(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	bHome := home.Home{Dir: t.TempDir()}
	b, err := Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	closed := shareClosedCommunity(t, a, "Closed", b)
	old := b.PeerID()
	must(t, b.Close())
	must(t, os.Remove(filepath.Join(bHome.Dir, home.NodeKeyFile)))
	b, err = Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	defer b.Close()
	if b.PeerID() == old {
		t.Fatal("the node kept its old peer id")
	}
	ds, err := b.Devices(ctx)
	must(t, err)
	if !slices.ContainsFunc(ds, func(d api.Device) bool { return d.This && slices.Contains(d.Communities, closed) }) {
		t.Fatalf("this node is not vouched for in the closed community: %+v", ds)
	}
	_, err = b.Connect(ctx, a.host.Addrs()[0].String()+"/p2p/"+a.PeerID().String())
	must(t, err)
	waitFor(t, "a's node lets b's new one into the closed community", 10*time.Second, func() bool { return a.allowPeer(closed, b.PeerID()) })
}

// TestDeviceNameSurvivesRemoval: a device removed and joining again keeps
// the name it was given (the name was only in its device records, which
// the removal deleted).
func TestDeviceNameSurvivesRemoval(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	// Open: a removed device of an invite-only community hears of its
	// removal only if connected when it happens (members' nodes then send
	// it nothing), and the test needs it to.
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Named"})
	must(t, err)
	device, err := a.Invite(ctx, community, api.InviteRequest{Device: true})
	must(t, err)
	a2 := startSecondDevice(t, a, "")
	_, err = a2.Join(ctx, device.Code)
	must(t, err)
	_, err = a2.NameDevice(ctx, "desktop")
	must(t, err)
	named := func() string {
		ds, err := a.Devices(ctx)
		if err != nil {
			return ""
		}
		for _, d := range ds {
			if d.PeerID == a2.PeerID().String() {
				return d.Name
			}
		}
		return ""
	}
	waitFor(t, "the name on a", 10*time.Second, func() bool { return named() == "desktop" })
	_, err = a.RemoveDevice(ctx, a2.PeerID().String())
	must(t, err)
	waitFor(t, "the removal on a2", 30*time.Second, func() bool { ds, err := a2.Devices(ctx); return err == nil && len(ds) == 1 && !ds[0].This })
	device, err = a.Invite(ctx, community, api.InviteRequest{Device: true})
	must(t, err)
	_, err = a2.Join(ctx, device.Code)
	must(t, err)
	waitFor(t, "a2 vouched for again, with its name", 10*time.Second, func() bool { return named() == "desktop" })
}
