package netlab

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// partitionHeal bounds the time from the backbone coming back to every
// node holding the identical set. Measured: see the test's log.
const partitionHeal = 60 * time.Second

// TestPartitionHeals: a 12-node community over three sites joined by a
// backbone. The backbone fails for a while and every site keeps posting:
// posts spread within a site and not beyond. Once it is back, every node
// holds the identical set of records (one digest) within partitionHeal,
// and every store passes its consistency check.
func TestPartitionHeals(t *testing.T) {
	l := New(t)
	bin := buildKith(t)
	sites := []*LAN{l.LAN("s1", "10.1.0.0/24"), l.LAN("s2", "10.2.0.0/24"), l.LAN("s3", "10.3.0.0/24")}
	backbone := l.Gateway("backbone", sites...)
	var nodes []*Kith
	site := make([][]*Kith, len(sites))
	for i := range 12 {
		o := KithOptions{Name: fmt.Sprintf("N%d", i+1)}
		if i > 0 {
			o.Bootstrap = []string{nodes[0].Addr()}
		}
		k := l.Host(fmt.Sprintf("n%d", i+1), sites[i%3]).StartKith(t, bin, o)
		nodes = append(nodes, k)
		site[i%3] = append(site[i%3], k)
	}
	community := startCommunity(t, nodes, "Three sites")
	first, _ := nodes[0].Community(community)
	converged(t, nodes, community, first.Records, 30*time.Second)
	before, _ := nodes[0].Community(community)

	backbone.Cut()
	cut := time.Now()
	titles := make([][]string, len(sites))
	for round := range 2 {
		for i, k := range nodes {
			title := fmt.Sprintf("site %d, node %d, post %d", i%3+1, i+1, round)
			k.MustRun("post", "new", community, "--title", title, "--body", "written during the partition")
			titles[i%3] = append(titles[i%3], title)
		}
	}
	for s, members := range site {
		for _, k := range members {
			Eventually(t, 15*time.Second, fmt.Sprintf("%s has its site's posts", k.Host.Name()),
				func() bool { return hasTitles(k, community, titles[s]) }, members...)
			for other := range sites {
				got := k.Titles(community)
				if other != s && slices.ContainsFunc(titles[other], func(title string) bool { return slices.Contains(got, title) }) {
					t.Fatalf("%s, on site %d, has a post of site %d during the partition", k.Host.Name(), s+1, other+1)
				}
			}
		}
	}
	// Long enough for connections across the backbone to be given up.
	time.Sleep(time.Until(cut.Add(20 * time.Second)))

	backbone.Restore()
	heal := converged(t, nodes, community, before.Records+24, partitionHeal)
	t.Logf("partition of %v healed: 12 nodes identical %v after the backbone came back", time.Since(cut).Round(time.Second)-heal.Round(time.Second), heal.Round(time.Millisecond))
	checkStores(t, nodes)
}
