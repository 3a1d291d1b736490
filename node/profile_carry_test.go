package node

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// TestProfileFollowsTheMember: a member's profile goes with them into
// communities they create or join later; a member who never published one
// is known by the config file's name; community lists are by name.
func TestProfileFollowsTheMember(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	dir := t.TempDir()
	if _, err := (home.Home{Dir: dir}).Init(home.InitOptions{Name: "Bo Lindqvist"}); err != nil {
		t.Fatal(err)
	}
	b, err := Start(ctx, Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	defer b.Close()
	if b.FirstRun() || !a.FirstRun() {
		t.Errorf("first run: a %v (fresh home), b %v (home made by init)", a.FirstRun(), b.FirstRun())
	}

	first, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Zeta practice"})
	must(t, err)
	_, err = a.SetProfile(ctx, api.ProfileRequest{Name: "Amara Okafor", Org: "Northwind", Expertise: []string{"kubernetes"}})
	must(t, err)
	second := shareCommunity(t, a, "alpha practice", b)
	nameOf := func(n *Node, c protocol.ID, key protocol.PublicKey) (string, string) {
		t.Helper()
		ms, err := n.Members(ctx, c, "", 50)
		must(t, err)
		for _, m := range ms.Items {
			if m.Key == key {
				return m.Name, m.Org
			}
		}
		return "", ""
	}
	waitFor(t, "a's profile in the new community", 10*time.Second, func() bool {
		name, org := nameOf(a, second, a.id.MemberKey())
		return name == "Amara Okafor" && org == "Northwind"
	})
	waitFor(t, "b known by its config name", 10*time.Second, func() bool {
		name, _ := nameOf(a, second, b.id.MemberKey())
		return name == "Bo Lindqvist"
	})
	// A peer is named by the member whose device record vouches for it.
	ps, err := a.Peers(ctx)
	must(t, err)
	if i := slices.IndexFunc(ps, func(p api.Peer) bool { return p.PeerID == b.PeerID().String() }); i < 0 || ps[i].Member == nil ||
		*ps[i].Member != b.id.MemberKey() || ps[i].MemberName != "Bo Lindqvist" {
		t.Errorf("a's peers: %+v, want b's node named as Bo's", ps)
	}
	cs, err := a.Communities(ctx)
	must(t, err)
	if len(cs) != 2 || cs[0].ID != second || cs[1].ID != first {
		t.Errorf("communities not by name: %q, %q", cs[0].Name, cs[1].Name)
	}
	if cs, _ := b.Communities(ctx); len(cs) != 1 || cs[0].Sync.LastSync == 0 {
		t.Errorf("right after joining, b's community says it never synced: %+v", cs)
	}
}

// TestNewDeviceKeepsTheProfile: a member's second device joining their
// communities neither wipes their profile there with the config's name
// nor rolls it back to an older one from another community.
func TestNewDeviceKeepsTheProfile(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	older := shareCommunity(t, a, "Older", b)
	_, err := b.SetProfile(ctx, api.ProfileRequest{Name: "Bo", Org: "Old org", Expertise: []string{"soil"}})
	must(t, err)
	newer := shareCommunity(t, a, "Newer", b)
	_, err = b.publish(ctx, newer, protocol.Refs{}, &protocol.Profile{Name: "Bo", Org: "New org", Expertise: []string{"soil", "compost"}})
	must(t, err)
	orgOn := func(n *Node, c protocol.ID) string { return orgOf(t, n, c, b.id.MemberKey()) }
	waitFor(t, "b's new profile on a", 10*time.Second, func() bool { return orgOn(a, newer) == "New org" })

	b2 := startSecondDevice(t, b, "config name")
	for _, c := range []protocol.ID{older, newer} {
		code, err := b.Invite(ctx, c, api.InviteRequest{Device: true})
		must(t, err)
		_, err = b2.Join(ctx, code.Code)
		must(t, err)
	}
	must(t, b2.store.Flush(ctx))
	if got := orgOn(b2, older); got == "" {
		t.Error("in the first community joined, the second device wiped the member's org")
	}
	if got := orgOn(b2, newer); got != "New org" {
		t.Errorf("in the second community joined, the second device rolled the org back to %q", got)
	}
	// The newest profile ends up in both (spreadProfiles), never an older.
	waitFor(t, "b's newest profile in both communities on a", 10*time.Second, func() bool {
		return orgOn(a, older) == "New org" && orgOn(a, newer) == "New org"
	})
}

// TestProfileSpreadsAcrossDevices: a profile set on a device that holds
// only some of the member's communities reaches the others through a
// device that holds them.
func TestProfileSpreadsAcrossDevices(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	both := shareCommunity(t, a, "Both", b)
	onlyB := shareCommunity(t, a, "Only the laptop", b)
	code, err := b.Invite(ctx, both, api.InviteRequest{Device: true})
	must(t, err)
	b2 := startSecondDevice(t, b, "")
	_, err = b2.Join(ctx, code.Code)
	must(t, err)
	ans, err := b2.SetProfile(ctx, api.ProfileRequest{Name: "Bo", Org: "Set on the desktop"})
	must(t, err)
	if len(ans.Communities) != 1 {
		t.Fatalf("the desktop published in %d communities, want 1", len(ans.Communities))
	}
	waitFor(t, "the desktop's profile in the community it does not hold, on a", 15*time.Second, func() bool {
		return orgOf(t, a, onlyB, b.id.MemberKey()) == "Set on the desktop"
	})
	// Settled: no device publishes it again.
	time.Sleep(time.Second)
	count := func() int {
		page, err := a.store.ByKind(ctx, onlyB, protocol.KindProfile, "", 100)
		must(t, err)
		n := 0
		for _, e := range page.Items {
			if e.Record.Header.Author == b.id.MemberKey() {
				n++
			}
		}
		return n
	}
	before := count()
	time.Sleep(2 * time.Second)
	if after := count(); after != before {
		t.Errorf("b's profiles in the laptop's community went from %d to %d with nothing set", before, after)
	}
}

// orgOf is the organisation n shows for member in community.
func orgOf(t *testing.T, n *Node, community protocol.ID, member protocol.PublicKey) string {
	t.Helper()
	ms, err := n.Members(context.Background(), community, "", 50)
	must(t, err)
	for _, m := range ms.Items {
		if m.Key == member {
			return m.Org
		}
	}
	return ""
}
