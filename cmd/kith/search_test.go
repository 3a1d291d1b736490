package main

import (
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestSearchCommand: `kith search` finds what was posted, by a stemmed
// word, with filters; a broken query gets a clear error; --reindex
// rebuilds and the answers stay.
func TestSearchCommand(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Search club")
	d.mustRun(t, "profile", "set", "--name", "Ada Router")
	post := d.createdID(t, "post", "new", community, "--question", "--title", "Configuring the VPN router", "--body", "It drops packets.", "--tag", "network")
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
	// A hit names the record and its thread, and its author by name.
	if h := search("configured").Hits[0]; h.ID == nil || h.ID.String() != post || h.Thread == nil || h.Thread.String() != post || h.AuthorName != "Ada Router" {
		t.Errorf("a hit's id, thread and author's name: %+v", h)
	}
	text := d.mustRun(t, "search", "drops", "packets")
	if !strings.Contains(text, "post    Configuring the VPN router") || !strings.Contains(text, "*drops* *packets*") || !strings.Contains(text, "1 of 1 results") ||
		!strings.Contains(text, "Ada Router (") || !strings.Contains(text, " · "+post[:12]+" · /t/"+post) {
		t.Errorf("kith search output:\n%s", text)
	}
	if r := d.run(t, "search", `"unclosed`); r.code == 0 || !strings.Contains(r.stderr, "never closed") {
		t.Errorf("broken query: exit %d, %s", r.code, r.stderr)
	}
	if r := d.run(t, "search", "router", "--from", "last week"); r.code == 0 || !strings.Contains(r.stderr, "2006-01-02") {
		t.Errorf("bad date: exit %d, %s", r.code, r.stderr)
	}
	if out := d.mustRun(t, "search", "--reindex", "--json"); !strings.Contains(out, `"reindexing": true`) {
		t.Errorf("search --reindex --json: %q", out)
	}
	d.poll(t, 10*time.Second, func() string { return "search after reindex" }, func() bool { return found("configured") })
}

// twinKeys returns two member keys whose first 4 hex digits are the same
// and are not those of any key in avoid (by the birthday bound, a few
// hundred keys in).
func twinKeys(t *testing.T, avoid ...string) [2]protocol.PublicKey {
	t.Helper()
	seen := make(map[string]protocol.PublicKey)
	for i := 0; i < 100_000; i++ {
		pub, _, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		var k protocol.PublicKey
		copy(k[:], pub)
		p := k.String()[:4]
		if slices.ContainsFunc(avoid, func(a string) bool { return strings.HasPrefix(a, p) }) {
			continue
		}
		if other, ok := seen[p]; ok {
			return [2]protocol.PublicKey{other, k}
		}
		seen[p] = k
	}
	t.Fatal("no two of 100,000 keys share four digits")
	return [2]protocol.PublicKey{}
}

// TestSearchPrefixes: --community and --author take the first digits of
// an id or key, as every other command does, with the same errors (too
// short, none, ambiguous); --author without --community looks among the
// members of every community here, and digits that fit two members of
// different communities are ambiguous there but not within one.
func TestSearchPrefixes(t *testing.T) {
	d := startDaemon(t)
	alpha := d.createdID(t, "community", "create", "--name", "Alpha")
	beta := d.createdID(t, "community", "create", "--name", "Beta")
	post := d.createdID(t, "post", "new", alpha, "--title", "Soldering iron tips", "--body", "Tin the tip first.")
	me := d.memberKey(t)
	twins := twinKeys(t, me, alpha, beta, post)
	d.mustRun(t, "member", "admit", alpha, twins[0].String())
	d.mustRun(t, "member", "admit", beta, twins[1].String())
	search := func(args ...string) result {
		t.Helper()
		return d.run(t, append([]string{"search", "soldering", "--json"}, args...)...)
	}
	hits := func(args ...string) int {
		t.Helper()
		r := search(args...)
		if r.code != 0 {
			t.Fatalf("kith search %v: exit %d: %s", args, r.code, r.stderr)
		}
		return len(decode[api.SearchResults](t, r.stdout).Hits)
	}
	d.poll(t, 10*time.Second, func() string { return "search for soldering" }, func() bool { return hits() == 1 })

	// First digits that fit one community, one member.
	for _, args := range [][]string{
		{"--community", alpha[:6]},
		{"--author", me[:8]},
		{"--author", me[:8], "--community", alpha[:5]},
		{"--author", strings.ToUpper(me[:10])},
	} {
		if n := hits(args...); n != 1 {
			t.Errorf("search %v: %d hits, want 1", args, n)
		}
	}
	if n := hits("--community", beta[:6], "--author", me[:6]); n != 0 {
		t.Errorf("search in the other community: %d hits", n)
	}
	// Digits two members share: ambiguous across communities, each one's
	// within their community.
	prefix := twins[0].String()[:4]
	r := search("--author", prefix)
	if r.code == 0 || !strings.Contains(r.stderr, "--author: "+prefix+" is ambiguous") ||
		!strings.Contains(r.stderr, twins[0].String()) || !strings.Contains(r.stderr, twins[1].String()) {
		t.Errorf("--author %s with two members' keys starting so: exit %d\n%s%s", prefix, r.code, r.stdout, r.stderr)
	}
	for _, c := range []string{alpha, beta} {
		if n := hits("--author", prefix, "--community", c[:8]); n != 0 {
			t.Errorf("--author %s in %s: %d hits", prefix, c, n)
		}
	}
	// Whole keys and ids still work, even a key never seen here.
	stranger := twinKeys(t, me)[0].String()
	if n := hits("--author", stranger, "--community", alpha); n != 0 {
		t.Errorf("--author with a stranger's whole key: %d hits", n)
	}
	if n := hits("--author", me, "--community", alpha); n != 1 {
		t.Errorf("--author and --community whole: %d hits", n)
	}

	absent := ""
	for _, p := range []string{"0000", "0001", "0002", "0003"} {
		if !strings.HasPrefix(me, p) && !strings.HasPrefix(twins[0].String(), p) && !strings.HasPrefix(twins[1].String(), p) {
			absent = p
			break
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--author", me[:3]}, "too short: give at least 4 digits"},
		{[]string{"--author", me[:3], "--community", alpha}, "too short: give at least 4 digits"},
		{[]string{"--author", "zzzz"}, `"zzzz" is not a member key`},
		{[]string{"--author", absent}, "no member of the communities on this node has a key starting with " + absent},
		{[]string{"--author", absent, "--community", alpha}, "no member of community " + alpha[:12] + " has a key starting with " + absent},
		{[]string{"--community", alpha[:3]}, "at least 4 digits"},
		{[]string{"--community", post[:8]}, "--community: no community this node holds has an id starting with " + post[:8]},
		{[]string{"--community", post}, "--community: " + post + " is not a community this node holds"},
		{[]string{"--community", "xyz!"}, "is not a community id"},
		{[]string{"--limit", "0"}, "--limit must be at least 1"},
		{[]string{"--offset", "-1"}, "--offset at least 0"},
		{[]string{"-mtu"}, "to exclude a word, give it after --: kith search router -- -mtu"},
	} {
		r := search(c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("search %v: exit %d, %q; want an error saying %q", c.args, r.code, r.stderr, c.want)
		}
	}

	// Past the first page: --offset, which the text output names.
	d.createdID(t, "post", "new", alpha, "--title", "Soldering fumes", "--body", "Open a window.")
	d.poll(t, 10*time.Second, func() string { return "two soldering posts found" }, func() bool { return hits() == 2 })
	if out := d.mustRun(t, "search", "soldering", "--limit", "1"); !strings.Contains(out, "1 of 2 results") || !strings.Contains(out, "more: --offset 1") {
		t.Errorf("a first page of one of two:\n%s", out)
	}
	first := decode[api.SearchResults](t, d.mustRun(t, "search", "soldering", "--limit", "1", "--json"))
	second := decode[api.SearchResults](t, d.mustRun(t, "search", "soldering", "--limit", "1", "--offset", "1", "--json"))
	if len(first.Hits) != 1 || len(second.Hits) != 1 || first.Hits[0].Title == second.Hits[0].Title {
		t.Errorf("pages of one: %+v then %+v", first.Hits, second.Hits)
	}
	if out := d.mustRun(t, "search", "soldering", "--limit", "1", "--offset", "1"); strings.Contains(out, "more:") {
		t.Errorf("the last page offers more:\n%s", out)
	}
	// Past the end: there were results, only not from there on.
	if out := d.mustRun(t, "search", "soldering", "--offset", "100"); !strings.Contains(out, "there are only 2 results") {
		t.Errorf("an offset past the results:\n%s", out)
	}
}

// TestSearchDates: --from and --to are days in the caller's time zone,
// --to's day included: from and to the same day finds what was written
// that day there, and not what was written that day somewhere else.
func TestSearchDates(t *testing.T) {
	// Kiritimati is UTC+14 and Pago Pago UTC-11: a moment has a different
	// date in each.
	east, err1 := time.LoadLocation("Pacific/Kiritimati")
	west, err2 := time.LoadLocation("Pacific/Pago_Pago")
	if err1 != nil || err2 != nil {
		t.Skipf("no time zone data: %v %v", err1, err2)
	}
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Calendar")
	d.createdID(t, "post", "new", community, "--title", "Soldering iron tips", "--body", "Tin the tip first.")
	var created time.Time
	d.poll(t, 10*time.Second, func() string { return "search for soldering" }, func() bool {
		var res api.SearchResults
		r := d.run(t, "search", "soldering", "--json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || len(res.Hits) != 1 {
			return false
		}
		created = time.UnixMilli(res.Hits[0].Created)
		return true
	})
	hits := func(zone *time.Location, args ...string) int {
		t.Helper()
		r := kith(t, []string{"TZ=" + zone.String()}, append([]string{"--home", d.home, "search", "soldering", "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("TZ=%s kith search %v: exit %d: %s", zone, args, r.code, r.stderr)
		}
		return len(decode[api.SearchResults](t, r.stdout).Hits)
	}
	day := func(zone *time.Location, days int) string {
		return created.In(zone).AddDate(0, 0, days).Format(time.DateOnly)
	}
	for _, c := range []struct {
		zone *time.Location
		args []string
		want int
	}{
		{east, []string{"--from", day(east, 0), "--to", day(east, 0)}, 1},
		{west, []string{"--from", day(west, 0), "--to", day(west, 0)}, 1},
		{west, []string{"--from", day(east, 0), "--to", day(east, 0)}, 0}, // the day after, in Pago Pago
		{east, []string{"--from", day(west, 0), "--to", day(west, 0)}, 0}, // the day before, in Kiritimati
		{east, []string{"--to", day(east, 0)}, 1},
		{east, []string{"--to", day(east, -1)}, 0},
		{east, []string{"--from", day(east, 1)}, 0},
		{west, []string{"--from", day(west, 0)}, 1},
		// A time without a zone is the caller's too; an end time is
		// exclusive.
		{east, []string{"--from", created.In(east).Add(-time.Minute).Format("2006-01-02T15:04")}, 1},
		{east, []string{"--to", created.In(east).Add(-time.Minute).Format("2006-01-02T15:04")}, 0},
	} {
		if n := hits(c.zone, c.args...); n != c.want {
			t.Errorf("TZ=%s search %v: %d hits, want %d (written %s)", c.zone, c.args, n, c.want, created.UTC())
		}
	}
	if r := d.run(t, "search", "soldering", "--from", day(east, 1), "--to", day(east, -1)); r.code == 0 || !strings.Contains(r.stderr, "ends before it starts") {
		t.Errorf("a range that ends before it starts: exit %d, %s", r.code, r.stderr)
	}
}

// TestNextPage: the line under a page of results names the next offset,
// and past the deepest the daemon goes, says so instead.
func TestNextPage(t *testing.T) {
	for _, c := range []struct {
		total, shown int
		want         string
	}{
		{5, 5, ""},
		{50, 20, "more: --offset 20\n"},
		{5000, 1000, "more: --offset 1000\n"},
		{5000, 1020, "(results past 1000 are not shown: narrow the search)\n"},
	} {
		var b strings.Builder
		nextPage(&b, c.total, c.shown)
		if b.String() != c.want {
			t.Errorf("%d of %d: %q, want %q", c.shown, c.total, b.String(), c.want)
		}
	}
}
