package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestSearchCommand: `kith search` finds what was posted, by a stemmed
// word, with filters; a broken query gets a clear error; --reindex
// rebuilds and the answers stay.
func TestSearchCommand(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Search club")
	d.createdID(t, "post", "new", community, "--question", "--title", "Configuring the VPN router", "--body", "It drops packets.", "--tag", "network")
	search := func(args ...string) api.SearchResults {
		t.Helper()
		var res api.SearchResults
		if err := json.Unmarshal([]byte(d.mustRun(t, append([]string{"search", "--json"}, args...)...)), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	found := func(args ...string) bool {
		res := search(args...)
		return len(res.Hits) == 1 && res.Hits[0].Title == "Configuring the VPN router"
	}
	d.poll(t, 10*time.Second, func() string { return "search for configured" }, func() bool { return found("configured") })
	if !found("configured", "--kind", "post", "--tag", "network", "--community", community) {
		t.Errorf("filtered search: %+v", search("configured", "--kind", "post", "--tag", "network"))
	}
	if res := search("configured", "--kind", "note"); len(res.Hits) != 0 {
		t.Errorf("a note search found %+v", res.Hits)
	}
	text := d.mustRun(t, "search", "drops", "packets")
	if !strings.Contains(text, "post    Configuring the VPN router") || !strings.Contains(text, "*drops* *packets*") || !strings.Contains(text, "1 of 1 results") {
		t.Errorf("kith search output:\n%s", text)
	}
	if r := d.run(t, "search", `"unclosed`); r.code == 0 || !strings.Contains(r.stderr, "never closed") {
		t.Errorf("broken query: exit %d, %s", r.code, r.stderr)
	}
	if r := d.run(t, "search", "router", "--from", "last week"); r.code == 0 || !strings.Contains(r.stderr, "2006-01-02") {
		t.Errorf("bad date: exit %d, %s", r.code, r.stderr)
	}
	d.mustRun(t, "search", "--reindex")
	d.poll(t, 10*time.Second, func() string { return "search after reindex" }, func() bool { return found("configured") })
}
