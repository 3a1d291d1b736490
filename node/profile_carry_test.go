package node

import (
	"context"
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
	cs, err := a.Communities(ctx)
	must(t, err)
	if len(cs) != 2 || cs[0].ID != second || cs[1].ID != first {
		t.Errorf("communities not by name: %q, %q", cs[0].Name, cs[1].Name)
	}
	if cs, _ := b.Communities(ctx); len(cs) != 1 || cs[0].Sync.LastSync == 0 {
		t.Errorf("right after joining, b's community says it never synced: %+v", cs)
	}
}
