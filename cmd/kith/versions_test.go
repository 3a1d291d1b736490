package main

import (
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestPostVersions: post versions shows a post's versions oldest first,
// each with what it changed, by the post's id or an edit's.
func TestPostVersions(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Edits")
	post := a.createdID(t, "post", "new", community, "--title", "Backups", "--body", "Run them nightly.\nKeep a week.")
	edit := a.createdID(t, "post", "edit", post, "--body", "Run them nightly.\nKeep a month.")
	out := a.mustRun(t, "post", "versions", edit[:12])
	first, current := strings.Index(out, "== first version"), strings.Index(out, "== current version")
	if first < 0 || current < first || !strings.Contains(out, "\n-Keep a week.\n+Keep a month.\n") || !strings.Contains(out, "title: Backups") {
		t.Errorf("post versions:\n%s", out)
	}
	v := decode[api.Versions](t, a.mustRun(t, "post", "versions", post, "--json"))
	if v.Record.String() != post || len(v.Items) != 2 || v.Items[1].ID.String() != edit {
		t.Errorf("post versions --json: %+v", v)
	}
	r := a.run(t, "post", "versions", community)
	if r.code != 1 || !strings.Contains(r.stderr, "posts, replies and events have versions") {
		t.Errorf("versions of a community: exit %d, %q", r.code, r.stderr)
	}
}
