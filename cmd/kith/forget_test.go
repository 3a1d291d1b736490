package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestCommunityForget: without --yes, community forget says what it would
// delete and what may be lost, and deletes nothing; with it, the
// community is gone from this node and the other stays.
func TestCommunityForget(t *testing.T) {
	a := startDaemon(t)
	solo := a.createdID(t, "community", "create", "--name", "Solo")
	kept := a.createdID(t, "community", "create", "--name", "Kept")
	a.createdID(t, "post", "new", solo, "--title", "Only here", "--body", "Nobody else has this.")

	r := a.run(t, "community", "forget", solo[:8])
	if r.code != 1 || !strings.Contains(r.stderr, "nothing was deleted: add --yes") {
		t.Errorf("forget without --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{`Forgetting "Solo" deletes from this node 3 records (all yours) and its search entries.`,
		"kith export " + solo[:8] + " -o FILE", "You are its only member", "--yes"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("forget preview lacks %q:\n%s", want, r.stdout)
		}
	}
	var p api.ForgetPreview
	if err := json.Unmarshal([]byte(a.mustRun(t, "community", "forget", solo, "--json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "Solo" || p.Records < 3 || p.Mine != int(p.Records) || !p.MaybeOnlyHere || p.Members != 1 {
		t.Errorf("forget preview, JSON: %+v", p)
	}
	if list := a.mustRun(t, "community", "list"); !strings.Contains(list, "Solo") {
		t.Fatalf("the preview deleted the community: %s", list)
	}

	if out := a.mustRun(t, "community", "forget", solo, "--yes"); !strings.Contains(out, `forgot "Solo": `) || !strings.Contains(out, "records deleted") ||
		!strings.Contains(out, "you were its only member") {
		t.Errorf("forget --yes: %q", out)
	}
	var cs []api.Community
	if err := json.Unmarshal([]byte(a.mustRun(t, "community", "list", "--json")), &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID.String() != kept {
		t.Errorf("communities after forgetting: %+v", cs)
	}
	if r := a.run(t, "community", "forget", solo, "--yes"); r.code != 1 || !strings.Contains(r.stderr, "holds no community") {
		t.Errorf("forget again: exit %d, %q", r.code, r.stderr)
	}
	if r := a.run(t, "post", "list", solo); r.code != 1 {
		t.Errorf("post list of the forgotten community: exit %d, %q", r.code, r.stdout)
	}
}

// TestForgetPreviewWarnings: a member of a community with other members
// is told to sync first when it wrote after the last sync, and not told
// it is the only member; one with nothing unsynced gets no warning.
func TestForgetPreviewWarnings(t *testing.T) {
	p := api.ForgetPreview{Name: "Crowd", Records: 40, Mine: 3, Members: 5, Peers: 2, Files: 1,
		NewestMine: 1_800_000_000_000, LastSync: 1_799_999_000_000, MaybeOnlyHere: true}
	var b strings.Builder
	printForgetPreview(&b, p, "abcd")
	out := b.String()
	for _, want := range []string{"40 records (3 yours), 1 attachment no other community names and its search entries.",
		"no sync with a peer completed since ", "kith community sync abcd --wait"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "only member") {
		t.Errorf("a community of five: %s", out)
	}
	p.MaybeOnlyHere = false
	b.Reset()
	printForgetPreview(&b, p, "abcd")
	if strings.Contains(b.String(), "!") {
		t.Errorf("nothing unsynced, yet a warning:\n%s", b.String())
	}
}
