package netlab

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// startCommunity creates an open community on nodes[0] and has every
// other node join it with the invite code alone. It returns the id.
func startCommunity(t *testing.T, nodes []*Kith, name string) string {
	t.Helper()
	community := nodes[0].Created("community", "create", "--name", name)
	var code api.InviteCode
	nodes[0].JSON(&code, "community", "invite", community)
	for _, k := range nodes[1:] {
		k.MustRun("community", "join", code.Code)
	}
	return community
}

// converged waits until every node holds records accepted records of
// community with one digest, and returns how long that took.
func converged(t *testing.T, nodes []*Kith, community string, records uint64, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	var behind []*Kith
	defer func() {
		if t.Failed() {
			t.Logf("last seen: %s", last)
			// The lagging nodes' own words on their sessions are what
			// tells why they stayed behind.
			for _, k := range behind {
				t.Logf("--- last lines of %s's log:\n%s", k.Host.Name(), tail(k.Logs(), 80))
			}
		}
	}()
	Eventually(t, timeout, "every node holds the same records", func() bool {
		var states []string
		behind = behind[:0]
		digests := make(map[string]bool)
		for _, k := range nodes {
			c, _ := k.Community(community)
			states = append(states, fmt.Sprintf("%s:%d(%.6s)", k.Host.Name(), c.Records, c.Digest))
			digests[c.Digest] = true
			if c.Records != records {
				behind = append(behind, k)
			}
		}
		same := len(behind) == 0 && len(digests) == 1
		last = strings.Join(states, " ")
		return same
	})
	t.Logf("converged on %d records in %v (%s)", records, time.Since(start).Round(time.Millisecond), last)
	return time.Since(start)
}

// checkStores stops every node and runs the store's consistency check.
func checkStores(t *testing.T, nodes []*Kith) {
	t.Helper()
	for _, k := range nodes {
		k.Stop()
		if problems := k.Check(); len(problems) > 0 {
			t.Errorf("%s's store: %s", k.Host.Name(), strings.Join(problems, "; "))
		}
	}
}

// hasTitles reports whether k lists every one of titles.
func hasTitles(k *Kith, community string, titles []string) bool {
	got := k.Titles(community)
	for _, title := range titles {
		if !slices.Contains(got, title) {
			return false
		}
	}
	return true
}
