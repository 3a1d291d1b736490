package netlab

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestTwoOrganisationsBehindNAT: two organisations, each a LAN behind its
// own NAT, and one public always-on anchor that anyone could run. Members
// in different organisations exchange records live and catch up after
// being away, all through the anchor, the only node both sides can reach.
func TestTwoOrganisationsBehindNAT(t *testing.T) {
	l := New(t)
	bin := buildKith(t)
	public := l.LAN("pub", "11.0.0.0/24")
	orgA := l.LAN("orga", "10.1.0.0/24")
	orgB := l.LAN("orgb", "10.2.0.0/24")
	anchor := l.Host("anchor", public).StartKith(t, bin, KithOptions{Name: "Anchor", Anchor: true})
	l.Router("nata", public, orgA)
	l.Router("natb", public, orgB)
	behind := func(name string) KithOptions {
		return KithOptions{Name: name, Bootstrap: []string{anchor.Addr()}, Relays: []string{anchor.Addr()}}
	}
	ada := l.Host("ada", orgA).StartKith(t, bin, behind("Ada"))
	ari := l.Host("ari", orgA).StartKith(t, bin, behind("Ari"))
	bea := l.Host("bea", orgB).StartKith(t, bin, behind("Bea"))
	nodes := []*Kith{anchor, ada, ari, bea}

	community := ada.Created("community", "create", "--name", "Practice")
	var code api.InviteCode
	ada.JSON(&code, "community", "invite", community)
	for _, k := range []*Kith{anchor, ari, bea} {
		start := time.Now()
		k.MustRun("community", "join", code.Code)
		t.Logf("%s joined in %v", k.Host.Name(), time.Since(start).Round(time.Millisecond))
	}

	// Live, both ways across the two NATs.
	live := func(from *Kith, title string) {
		t.Helper()
		start := time.Now()
		from.MustRun("post", "new", community, "--title", title, "--body", "from "+from.Host.Name())
		for _, k := range nodes {
			Eventually(t, 15*time.Second, fmt.Sprintf("%s has %q", k.Host.Name(), title),
				func() bool { return slices.Contains(k.Titles(community), title) }, nodes...)
		}
		t.Logf("%q from %s on all four nodes after %v", title, from.Host.Name(), time.Since(start).Round(time.Millisecond))
	}
	live(ada, "Ada asks")
	live(bea, "Bea answers")

	// Catch-up: Bea's laptop is off while organisation A posts.
	bea.Stop()
	for i := range 20 {
		ada.MustRun("post", "new", community, "--title", fmt.Sprintf("while Bea was away %d", i), "--body", "news")
	}
	want, _ := ada.Community(community)
	start := time.Now()
	bea.Start()
	Eventually(t, 30*time.Second, "Bea catches up to Ada's digest", func() bool {
		got, _ := bea.Community(community)
		return got.Digest == want.Digest
	}, nodes...)
	t.Logf("Bea caught up on %d records in %v after restart", want.Records, time.Since(start).Round(time.Millisecond))
	for _, k := range nodes {
		got, _ := k.Community(community)
		if got.Digest != want.Digest || got.Records != want.Records {
			t.Errorf("%s: %d records, digest %s; Ada: %d, %s", k.Host.Name(), got.Records, got.Digest, want.Records, want.Digest)
		}
	}
}
