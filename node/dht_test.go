package node

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

func startTestNode(t *testing.T) *Node {
	t.Helper()
	n, err := Start(context.Background(), Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// startSecondDevice starts a new node for n's member, as `kith init
// --import` would make one (name: the config's display name, if any).
func startSecondDevice(t *testing.T, n *Node, name string) *Node {
	t.Helper()
	dir := t.TempDir()
	if _, err := (home.Home{Dir: dir}).Init(home.InitOptions{Member: n.id.Member, Name: name}); err != nil {
		t.Fatal(err)
	}
	d, err := Start(context.Background(), Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// shareCommunity has founder create an open community and every joiner
// join it with an invite code.
func shareCommunity(t testing.TB, founder *Node, name string, joiners ...*Node) protocol.ID {
	t.Helper()
	return makeCommunity(t, founder, api.CreateCommunityRequest{Name: name}, joiners...)
}

// shareClosedCommunity has founder create an invite-only community and
// every joiner join it with an invite code of its own.
func shareClosedCommunity(t testing.TB, founder *Node, name string, joiners ...*Node) protocol.ID {
	t.Helper()
	return makeCommunity(t, founder, api.CreateCommunityRequest{Name: name, InviteOnly: true}, joiners...)
}

func makeCommunity(t testing.TB, founder *Node, req api.CreateCommunityRequest, joiners ...*Node) protocol.ID {
	t.Helper()
	ctx := context.Background()
	community, err := founder.CreateCommunity(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range joiners {
		inv := api.InviteRequest{}
		if req.InviteOnly {
			inv.Uses = 1
		}
		code, err := founder.Invite(ctx, community, inv)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Join(ctx, code.Code); err != nil {
			t.Fatal(err)
		}
	}
	return community
}

// TestDHTFindsMembers: a node that knows only a non-member finds the
// community's members through the Kith DHT, and can join while the
// inviter's address in the code is dead.
func TestDHTFindsMembers(t *testing.T) {
	ctx := context.Background()
	a, b, c := startTestNode(t), startTestNode(t), startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Found by DHT"})
	if err != nil {
		t.Fatal(err)
	}
	// b is no member: it is only the DHT's meeting point for a and c.
	if _, err := b.Connect(ctx, a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // identify: the peers learn each other speaks the Kith DHT
	a.advertise(ctx, community)
	found := slices.Collect(c.findMembers(ctx, community))
	if len(found) != 1 || found[0].ID != a.PeerID() {
		t.Fatalf("c found %v, want a (%s)", found, a.PeerID())
	}
	// An invite code whose only address is dead: c joins through the DHT.
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ParseInvite(code.Code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	inv.Addrs = inv.Addrs[:0]
	dead, _ := EncodeInvite(inv)
	if _, err := c.Join(ctx, dead); err != nil {
		t.Fatalf("join with a dead address: %v", err)
	}
	if m := c.store.Membership(community); m == nil || !m.Standing(c.id.MemberKey()).Admitted() {
		t.Fatal("c is not a member after joining through the DHT")
	}
}

func peerInfo(n *Node) peer.AddrInfo { return peer.AddrInfo{ID: n.PeerID(), Addrs: n.host.Addrs()} }
