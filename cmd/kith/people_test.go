package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestPeople: a profile set on one daemon shows in the member list of the
// others, with role and expertise; `experts` ranks members by accepted
// answers, declared expertise and helpful reactions on a topic.
func TestPeople(t *testing.T) {
	a, b, c := startDaemon(t), startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Security")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)
	c.createdID(t, "community", "join", code)

	a.stop(t) // a is away while b sets its profile
	if out := b.mustRun(t, "profile", "set", "--name", "Bea", "--org", "Acme", "--expertise", "TLS, dns"); !strings.Contains(out, "published in 1 community") {
		t.Errorf("profile set: %q", out)
	}
	a = startDaemonAt(t, a.home)
	var members []api.Member
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := json.Unmarshal([]byte(a.mustRun(t, "members", community, "--json")), &members); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range members {
			if m.Name == "Bea" && m.Org == "Acme" && strings.Join(m.Expertise, ",") == "tls,dns" && m.Standing == "member" {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a's member list: %+v", members)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(members) != 3 || members[0].Standing != "founder" {
		t.Errorf("members: %+v", members)
	}

	q := a.createdID(t, "post", "new", community, "--question", "--title", "Pinning certificates?", "--tag", "tls")
	waitThreads(t, b, community, "Pinning certificates?")
	waitThreads(t, c, community, "Pinning certificates?")
	rc := c.createdID(t, "post", "reply", q, "--body", "Pin the intermediate, not the leaf.")
	rb := b.createdID(t, "post", "reply", q, "--body", "Avoid pinning in mobile apps.")
	waitThread(t, a, q, "both replies on a", func(td api.ThreadDetail) bool { return len(td.Replies) == 2 })
	a.createdID(t, "post", "accept", rc)
	a.createdID(t, "react", rc, "helpful")
	a.createdID(t, "react", rb, "helpful")
	// Answering and accepting one's own question shows no expertise.
	q2 := b.createdID(t, "post", "new", community, "--question", "--title", "Rotating keys?", "--tag", "tls")
	b.createdID(t, "post", "accept", b.createdID(t, "post", "reply", q2, "--body", "Found it myself."))
	var experts []api.Expert
	deadline = time.Now().Add(15 * time.Second)
	for {
		if err := json.Unmarshal([]byte(b.mustRun(t, "experts", community, "TLS", "--json")), &experts); err != nil {
			t.Fatal(err)
		}
		if len(experts) == 2 && experts[0].Score == 6 && experts[1].Score == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("experts on tls: %+v", experts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if experts[0].Accepted != 1 || experts[0].Helpful != 1 || experts[0].Declared {
		t.Errorf("first expert (c): %+v", experts[0])
	}
	if experts[1].Name != "Bea" || !experts[1].Declared || experts[1].Helpful != 1 || experts[1].Accepted != 0 {
		t.Errorf("second expert (b): %+v", experts[1])
	}
	if out := b.mustRun(t, "experts", community, "kubernetes"); !strings.Contains(out, "nobody has shown knowing") {
		t.Errorf("experts on an unknown topic: %q", out)
	}
	loner := startDaemon(t)
	if out := loner.mustRun(t, "profile", "set", "--name", "Lo", "--org", "Solo"); !strings.Contains(out, "profile kept: you are in no community yet") {
		t.Errorf("profile without a community: %q", out)
	}
	if out := loner.mustRun(t, "profile", "show"); !strings.Contains(out, "Lo") || !strings.Contains(out, "Solo") {
		t.Errorf("profile show of the kept profile: %q", out)
	}
	if r := loner.run(t, "profile", "set", "--name", strings.Repeat("n", 300)); r.code == 0 || !strings.Contains(r.stderr, "limit") {
		t.Errorf("a kept profile too long: exit %d, %q", r.code, r.stderr)
	}
	// Joining b's community takes it there.
	lonerKey := loner.memberKey(t)
	loner.createdID(t, "community", "join", strings.TrimSpace(b.mustRun(t, "community", "invite", community)))
	waitJSON(t, b, "the kept profile on b", func(ms []api.Member) bool {
		return slices.ContainsFunc(ms, func(m api.Member) bool { return m.Key.String() == lonerKey && m.Name == "Lo" && m.Org == "Solo" })
	}, "members", community, "--json")
}

// TestAuthorsByName: `post show` and `note history` name authors who
// published a profile, with the start of their key.
func TestAuthorsByName(t *testing.T) {
	d := startDaemon(t)
	id := d.createdID(t, "community", "create", "--name", "Named")
	d.mustRun(t, "profile", "set", "--name", "Ada Byron")
	post := d.createdID(t, "post", "new", id, "--title", "Who wrote this?")
	if out := d.mustRun(t, "post", "show", post); !strings.Contains(out, "by Ada Byron (") {
		t.Errorf("post show does not name the author:\n%s", out)
	}
	note := d.createdID(t, "note", "new", id, "--title", "Named note", "--body", "text")
	if out := d.mustRun(t, "note", "history", note); !strings.Contains(out, "Ada Byron (") {
		t.Errorf("note history does not name the author:\n%s", out)
	}
}

// TestProfileKeepsFieldsNotGiven: profile set changes the fields given and
// keeps the others; a field given empty is cleared; profile show prints
// the current profile.
func TestProfileKeepsFieldsNotGiven(t *testing.T) {
	a := startDaemon(t)
	a.createdID(t, "community", "create", "--name", "Profiles")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"profile", "show"}, "no profile yet"},
		{[]string{"profile", "set", "--org", "Acme"}, "your first profile needs a --name"},
		{[]string{"profile", "set"}, "give what to change"},
	} {
		if r := a.run(t, c.args...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("kith %q: exit %d, %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	a.mustRun(t, "profile", "set", "--name", "Ada", "--org", "Acme", "--expertise", "tls, dns", "--bio", "Routers since 1999.")
	a.mustRun(t, "profile", "set", "--name", "Ada L.")
	var p api.ProfileRequest
	must(t, json.Unmarshal([]byte(a.mustRun(t, "profile", "show", "--json")), &p))
	if p.Name != "Ada L." || p.Org != "Acme" || strings.Join(p.Expertise, ",") != "tls,dns" || p.Bio != "Routers since 1999." {
		t.Errorf("after changing the name alone: %+v", p)
	}
	if r := a.run(t, "profile", "set", "--name", " "); r.code != 1 || !strings.Contains(r.stderr, "--name cannot be empty") {
		t.Errorf("an empty name: exit %d, %q", r.code, r.stderr)
	}
	a.mustRun(t, "profile", "set", "--org", "")
	if out := a.mustRun(t, "profile", "show"); !strings.Contains(out, "name:         Ada L.\norganisation: \nexpertise:    tls, dns\n") {
		t.Errorf("after clearing the organisation:\n%s", out)
	}
}
