package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// waitNote waits until cond holds of a note on a node.
func waitNote(t *testing.T, d *daemon, note, what string, cond func(api.NoteDetail) bool) api.NoteDetail {
	t.Helper()
	return waitJSON(t, d, what, cond, "note", "show", note)
}

// TestNotes: the knowledge base across two daemons. A note written on one
// is edited on the other (any member may), its history lists both
// revisions with their authors, diff shows the change, revert brings the
// old text back as a new revision; edits made while the two were apart
// show as two heads on both, until an edit merges them; a thread
// promoted to a note keeps its question, accepted answer and origin.
func TestNotes(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Runbooks")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)

	note := a.createdID(t, "note", "new", community, "--title", "Certificate rotation", "--body", "1. Renew.\n2. Deploy.\n", "--tag", "tls")
	waitNote(t, b, note, "the note on b", func(n api.NoteDetail) bool { return n.Title == "Certificate rotation" })
	v2 := b.createdID(t, "note", "edit", note, "--body", "1. Renew.\n2. Deploy.\n3. Check expiry alerts.\n")
	n := waitNote(t, a, note, "b's revision on a", func(n api.NoteDetail) bool { return n.Revisions == 2 })
	if len(n.Heads) != 1 || n.Heads[0].ID.String() != v2 || !strings.Contains(n.Heads[0].Body, "Check expiry") {
		t.Fatalf("after b's edit a shows %+v", n.Heads)
	}
	if len(n.History) != 2 || n.History[0].ID.String() != note || n.History[1].Author == n.History[0].Author {
		t.Errorf("history: %+v", n.History)
	}
	diff := a.mustRun(t, "note", "diff", note, note, v2)
	if !strings.Contains(diff, "+3. Check expiry alerts.") || !strings.Contains(diff, " 1. Renew.") {
		t.Errorf("diff:\n%s", diff)
	}
	hist := a.mustRun(t, "note", "history", note)
	if !strings.Contains(hist, note[:shortDigits]) || !strings.Contains(hist, v2[:shortDigits]) {
		t.Errorf("history:\n%s", hist)
	}
	// show names the revision an edit starts from; an edit replacing
	// another member's text says so (an edit that came after the member
	// read the note was replaced without a word).
	if out := a.mustRun(t, "note", "show", note); !strings.Contains(out, "current revision "+v2[:shortDigits]) {
		t.Errorf("show does not name the current revision:\n%s", out)
	}
	res := a.run(t, "note", "edit", note, "--body", "1. Renew.\n2. Deploy.\n3. Check alerts.\n")
	if res.code != 0 || !strings.Contains(res.stderr, "it replaces ") || !strings.Contains(res.stderr, "revision "+v2[:shortDigits]) ||
		!strings.Contains(res.stderr, "kith note diff "+note[:shortDigits]+" "+v2[:shortDigits]+" "+strings.TrimSpace(res.stdout)[:shortDigits]) {
		t.Errorf("an edit replacing b's revision: exit %d, %q", res.code, res.stderr)
	}
	a.createdID(t, "note", "revert", note, note)
	n = waitNote(t, b, note, "the revert on b", func(n api.NoteDetail) bool { return n.Revisions == 4 })
	if n.Heads[0].Body != "1. Renew.\n2. Deploy.\n" {
		t.Errorf("after revert: %q", n.Heads[0].Body)
	}
	head := n.Heads[0].ID.String()
	for _, args := range [][]string{
		{"note", "revert", note, note}, // the text is that already
		{"note", "edit", note, "--parent", head, "--parent", head},
		{"note", "edit", note, "--tag", "tls"},
	} {
		if r := a.run(t, args...); r.code == 0 || !strings.Contains(r.stderr, "that changes nothing") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}

	// Apart: each edits while the other is stopped.
	b.stop(t)
	a.createdID(t, "note", "edit", note, "--body", "a's version\n")
	a.stop(t)
	b = startDaemonAt(t, b.home)
	b.createdID(t, "note", "edit", note, "--body", "b's version\n")
	a = startDaemonAt(t, a.home)
	for _, d := range []*daemon{a, b} {
		n = waitNote(t, d, note, "two heads", func(n api.NoteDetail) bool { return len(n.Heads) == 2 })
		if n.Revisions != 6 {
			t.Errorf("%d revisions, want 6", n.Revisions)
		}
	}
	if out := a.mustRun(t, "note", "show", note); !strings.Contains(out, "2 heads") || !strings.Contains(out, "a's version") || !strings.Contains(out, "b's version") ||
		!strings.Contains(out, "Merge them with `kith note edit "+note[:12]+" --body -`") {
		t.Errorf("show with two heads:\n%s", out)
	}
	// A merge that does not say which text to keep is refused: taking
	// one head's would drop the other's. Following one head takes its text.
	if r := a.run(t, "note", "edit", note, "--title", "Rotation"); r.code == 0 || !strings.Contains(r.stderr, "the 2 revisions this one follows differ in their text (--body)") {
		t.Errorf("a title-only merge of two texts: exit %d, %q", r.code, r.stderr)
	}
	var bHead string
	for _, h := range n.Heads {
		if h.Body == "b's version\n" {
			bHead = h.ID.String()
		}
	}
	// Following one head of two leaves two: the command says so.
	res = a.run(t, "note", "edit", note, "--parent", bHead, "--title", "Rotation")
	if res.code != 0 || !strings.Contains(res.stderr, "now has 2 versions") || !strings.Contains(res.stderr, "kith note edit "+note[:shortDigits]+" --body -") {
		t.Errorf("an edit that leaves two heads: exit %d, %q", res.code, res.stderr)
	}
	retitled := strings.TrimSpace(res.stdout)
	n = waitNote(t, a, note, "the retitled head", func(n api.NoteDetail) bool { return n.Revisions == 7 })
	for _, h := range n.Heads {
		if h.ID.String() == retitled && (h.Body != "b's version\n" || h.Title != "Rotation") {
			t.Errorf("following b's head: %+v", h)
		}
	}
	if len(n.Heads) != 2 || !slices.ContainsFunc(n.Heads, func(h api.Head) bool { return h.ID.String() == retitled }) {
		t.Errorf("%d heads after following one of two, want 2 with %s", len(n.Heads), retitled)
	}
	if out := a.mustRun(t, "note", "show", note); !strings.Contains(out, "Merge them with `kith note edit "+note[:12]+" --body - --title TITLE`") ||
		!strings.Contains(out, "\nRotation\n") {
		t.Errorf("show with two heads of two titles (each head's title shown):\n%s", out)
	}
	if hist := a.mustRun(t, "note", "history", note); strings.Count(hist, " yes ") != 2 {
		t.Errorf("history does not mark the 2 heads:\n%s", hist)
	}
	heads := 0
	for _, r := range decode[[]historyJSON](t, a.mustRun(t, "note", "history", note, "--json")) {
		if r.Head {
			heads++
		}
	}
	if heads != 2 {
		t.Errorf("history --json marks %d heads, want 2", heads)
	}
	// The command show advises works as given, with the merged text.
	if r := a.runIn(t, "a's version\nb's version\n", "note", "edit", note[:12], "--body", "-", "--title", "Rotation"); r.code != 0 {
		t.Fatalf("merge as note show advises: exit %d, %q", r.code, r.stderr)
	}
	for _, d := range []*daemon{a, b} {
		waitNote(t, d, note, "merged", func(n api.NoteDetail) bool {
			return len(n.Heads) == 1 && n.Heads[0].Body == "a's version\nb's version\n" && len(n.Heads[0].Parents) == 2
		})
	}

	// Promote an answered question.
	q := b.createdID(t, "post", "new", community, "--question", "--title", "How long are certificates valid?", "--body", "Asking for the audit.", "--tag", "tls")
	waitThreads(t, a, community, "How long are certificates valid?")
	policy := filepath.Join(t.TempDir(), "ca-policy.txt")
	must(t, os.WriteFile(policy, []byte("certificates: 90 days"), 0o600))
	r := a.createdID(t, "post", "reply", q, "--body", "90 days with our CA.", "--attach", policy)
	waitThread(t, b, q, "the reply on b", func(td api.ThreadDetail) bool { return len(td.Replies) == 1 })
	b.createdID(t, "post", "accept", r)
	promoted := b.createdID(t, "note", "promote", q)
	n = waitNote(t, a, promoted, "the promoted note on a", func(n api.NoteDetail) bool { return n.From != nil })
	if n.From.String() != q || n.Title != "How long are certificates valid?" || !strings.Contains(n.Heads[0].Body, "90 days") || !strings.Contains(n.Heads[0].Body, "Asking for the audit.") {
		t.Errorf("promoted note: %+v", n)
	}
	if !strings.Contains(n.Heads[0].Body, "*Answered by ") {
		t.Errorf("the promoted note does not credit the answer's author: %q", n.Heads[0].Body)
	}
	if len(n.Heads[0].Files) != 1 || n.Heads[0].Files[0].Name != "ca-policy.txt" {
		t.Errorf("the promoted note's files (the accepted answer's): %+v", n.Heads[0].Files)
	}
	if out := a.mustRun(t, "post", "show", q); !strings.Contains(out, "made into the note "+promoted) {
		t.Errorf("the promoted thread does not name its note:\n%s", out)
	}
	// Promoted once, on either node: a second promotion names the note.
	if r := a.run(t, "note", "promote", q); r.code == 0 || !strings.Contains(r.stderr, "already the note "+promoted) {
		t.Errorf("a second promotion: exit %d, %q", r.code, r.stderr)
	}
	// A question without an accepted answer is not knowledge yet.
	open := b.createdID(t, "post", "new", community, "--question", "--title", "Who renews them?", "--body", "Nobody knows.")
	if r := b.run(t, "note", "promote", open); r.code == 0 || !strings.Contains(r.stderr, "has no accepted answer yet") {
		t.Errorf("promoting an unanswered question: exit %d, %q", r.code, r.stderr)
	}
	var list []api.Note
	if err := json.Unmarshal([]byte(a.mustRun(t, "note", "list", community, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Errorf("note list: %+v", list)
	}
	if r := a.run(t, "note", "diff", note, note, q); r.code == 0 || !strings.Contains(r.stderr, "not a live revision") {
		t.Errorf("diff against a post: exit %d, %q", r.code, r.stderr)
	}
}
