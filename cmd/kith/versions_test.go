package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

	// An event's versions say what each edit changed of its time, place
	// and notes: they all looked the same.
	agenda := a.createdID(t, "note", "new", community, "--title", "Agenda", "--body", "1. Compost")
	event := a.createdID(t, "event", "new", community, "--title", "Workshop", "--start", "2026-12-05T12:00Z", "--where", "Room 4")
	a.createdID(t, "event", "edit", event, "--start", "2026-12-05T14:00Z", "--end", "2026-12-05T16:00Z")
	a.createdID(t, "event", "edit", event, "--where", "https://meet.example.org/w", "--agenda", agenda)
	a.createdID(t, "event", "edit", event, "--clear", "end")
	out = a.mustRun(t, "post", "versions", event)
	at := func(s string) string {
		tm, _ := time.Parse(time.RFC3339, s)
		return tm.Local().Format("Mon 2006-01-02 15:04 MST")
	}
	for _, want := range []string{
		"title: Workshop\nstarts: " + at("2026-12-05T12:00:00Z") + "\nwhere: Room 4\n",
		"starts: " + at("2026-12-05T14:00:00Z") + " (was " + at("2026-12-05T12:00:00Z") + ")\nends: " + at("2026-12-05T16:00:00Z") + "\n",
		"where: https://meet.example.org/w (was Room 4)\nagenda: note " + agenda[:12] + "\n",
		"ends: none (was " + at("2026-12-05T16:00:00Z") + ")\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("event versions lack %q:\n%s", want, out)
		}
	}
}

// TestPostEditFiles: post edit attaches more files and removes one by
// its hash's first digits, keeping the text.
func TestPostEditFiles(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Files")
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.txt"), filepath.Join(dir, "second.txt")
	must(t, os.WriteFile(first, []byte("one"), 0o600))
	must(t, os.WriteFile(second, []byte("two"), 0o600))
	post := a.createdID(t, "post", "new", community, "--title", "Files", "--body", "Two files.", "--attach", first)
	var hash string
	for _, f := range decode[[]api.FileEntry](t, a.mustRun(t, "attachment", "list", community, "--json")) {
		if f.Name == "first.txt" {
			hash = f.Hash.String()
		}
	}
	a.createdID(t, "post", "edit", post, "--attach", second, "--remove-file", hash[:10])
	d := decode[api.ThreadDetail](t, a.mustRun(t, "post", "show", post, "--json"))
	if len(d.Files) != 1 || d.Files[0].Name != "second.txt" || d.Body != "Two files." {
		t.Errorf("after post edit --attach --remove-file: files %+v, body %q", d.Files, d.Body)
	}
	if r := a.run(t, "post", "edit", post); r.code != 1 || !strings.Contains(r.stderr, "--attach or --remove-file") {
		t.Errorf("post edit with nothing to change: exit %d, %q", r.code, r.stderr)
	}
}

// TestNoteEditFiles: note edit attaches a file to a note's new revision
// and removes it again.
func TestNoteEditFiles(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Notes")
	note := a.createdID(t, "note", "new", community, "--title", "Runbook", "--body", "Steps.")
	diagram := filepath.Join(t.TempDir(), "diagram.txt")
	must(t, os.WriteFile(diagram, []byte("boxes"), 0o600))
	a.createdID(t, "note", "edit", note, "--attach", diagram)
	n := decode[api.NoteDetail](t, a.mustRun(t, "note", "show", note, "--json"))
	if len(n.Heads) != 1 || len(n.Heads[0].Files) != 1 || n.Heads[0].Body != "Steps." {
		t.Fatalf("note after attaching: %+v", n.Heads)
	}
	a.createdID(t, "note", "edit", note, "--remove-file", n.Heads[0].Files[0].Hash.String()[:10])
	n = decode[api.NoteDetail](t, a.mustRun(t, "note", "show", note, "--json"))
	if len(n.Heads) != 1 || len(n.Heads[0].Files) != 0 || n.Heads[0].Body != "Steps." {
		t.Errorf("note after removing the file: %+v", n.Heads)
	}
}

// TestEditClear: a post's tags and text, and a note's tags, can be
// emptied with --clear; an empty --tag says so instead of a bare refusal.
func TestEditClear(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Clear")
	post := a.createdID(t, "post", "new", community, "--title", "Tagged", "--body", "Some text.", "--tag", "ops", "--tag", "dr")
	if r := a.run(t, "post", "edit", post, "--tag", ""); r.code == 0 || !strings.Contains(r.stderr, "--tag is empty: leave it out to keep the post or reply's current one; --clear tags empties it") {
		t.Errorf("post edit --tag '': exit %d, %q", r.code, r.stderr)
	}
	if r := a.run(t, "post", "edit", post, "--clear", "tags", "--tag", "x"); r.code == 0 || !strings.Contains(r.stderr, "new tags and clearing them") {
		t.Errorf("post edit --clear tags --tag x: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "post", "edit", post, "--clear", "tags")
	d := decode[api.ThreadDetail](t, a.mustRun(t, "post", "show", post, "--json"))
	if len(d.Tags) != 0 || d.Body != "Some text." || d.Title != "Tagged" {
		t.Errorf("after --clear tags: tags %v, body %q, title %q", d.Tags, d.Body, d.Title)
	}
	a.createdID(t, "post", "edit", post, "--clear", "body")
	if d := decode[api.ThreadDetail](t, a.mustRun(t, "post", "show", post, "--json")); d.Body != "" {
		t.Errorf("after --clear body: %q", d.Body)
	}
	if r := a.run(t, "post", "edit", post, "--clear", "title"); r.code == 0 || !strings.Contains(r.stderr, `"title" cannot be cleared`) {
		t.Errorf("post edit --clear title: exit %d, %q", r.code, r.stderr)
	}

	note := a.createdID(t, "note", "new", community, "--title", "Runbook", "--body", "Steps.", "--tag", "ops")
	a.createdID(t, "note", "edit", note, "--clear", "tags")
	if n := decode[api.NoteDetail](t, a.mustRun(t, "note", "show", note, "--json")); len(n.Tags) != 0 || len(n.History) != 2 {
		t.Errorf("note after --clear tags: tags %v, %d revisions", n.Tags, len(n.History))
	}
	if r := a.run(t, "note", "edit", note, "--clear", "body"); r.code == 0 || !strings.Contains(r.stderr, `"body" cannot be cleared`) {
		t.Errorf("note edit --clear body: exit %d, %q", r.code, r.stderr)
	}
}
