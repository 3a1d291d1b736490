package netlab

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestChurn: six nodes on one LAN. For a while, at random, a running node
// posts, a node (not the first) is stopped with SIGTERM or SIGKILL, or a
// stopped one restarts; a node may be killed right after a post it made
// was acknowledged. At the end, with all running again, every
// acknowledged post is on every node, all hold one digest, and every
// store passes its consistency check.
func TestChurn(t *testing.T) {
	l := New(t)
	bin := buildKith(t)
	lan := l.LAN("office", "10.1.0.0/24")
	var nodes []*Kith
	for i := range 6 {
		o := KithOptions{Name: fmt.Sprintf("N%d", i+1)}
		if i > 0 {
			o.Bootstrap = []string{nodes[0].Addr()}
		}
		nodes = append(nodes, l.Host(fmt.Sprintf("n%d", i+1), lan).StartKith(t, bin, o))
	}
	community := startCommunity(t, nodes, "Churn")
	base, _ := nodes[0].Community(community)
	converged(t, nodes, community, base.Records, 30*time.Second)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	running := []bool{true, true, true, true, true, true}
	var acknowledged []string
	var stops, kills, restarts int
	deadline := time.Now().Add(25 * time.Second)
	for step := 0; time.Now().Before(deadline); step++ {
		i := rng.IntN(len(nodes))
		k := nodes[i]
		switch action := rng.IntN(10); {
		case !running[i]:
			k.Start()
			running[i] = true
			restarts++
		case action < 6 || i == 0:
			title := fmt.Sprintf("step %d by %s", step, k.Host.Name())
			k.MustRun("post", "new", community, "--title", title, "--body", "acknowledged, so it must survive")
			acknowledged = append(acknowledged, title)
			if i != 0 && rng.IntN(3) == 0 { // killed right after the acknowledgement
				k.Kill()
				running[i] = false
				kills++
			}
		case action < 8:
			k.Stop()
			running[i] = false
			stops++
		default:
			k.Kill()
			running[i] = false
			kills++
		}
	}
	for i, k := range nodes {
		if !running[i] {
			k.Start()
			restarts++
		}
	}
	t.Logf("%d posts acknowledged; %d SIGTERM, %d SIGKILL, %d restarts", len(acknowledged), stops, kills, restarts)
	converged(t, nodes, community, base.Records+uint64(len(acknowledged)), 60*time.Second)
	for _, k := range nodes {
		if !hasTitles(k, community, acknowledged) {
			t.Errorf("%s lacks acknowledged posts", k.Host.Name())
		}
	}
	checkStores(t, nodes)
}
