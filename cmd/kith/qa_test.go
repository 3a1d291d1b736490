package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// show reads a thread on a node.
func (d *daemon) show(t *testing.T, post string) api.ThreadDetail {
	t.Helper()
	var td api.ThreadDetail
	if err := json.Unmarshal([]byte(d.mustRun(t, "post", "show", post, "--json")), &td); err != nil {
		t.Fatal(err)
	}
	return td
}

// waitThread waits until cond holds of a thread on a node.
func waitThread(t *testing.T, d *daemon, post, what string, cond func(api.ThreadDetail) bool) api.ThreadDetail {
	t.Helper()
	return waitJSON(t, d, what, cond, "post", "show", post)
}

// listed returns the titles a filtered `post list` prints on a node.
func listed(t *testing.T, d *daemon, community string, flags ...string) []string {
	t.Helper()
	var items []api.Thread
	if err := json.Unmarshal([]byte(d.mustRun(t, append([]string{"post", "list", community, "--all", "--json"}, flags...)...)), &items); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range items {
		titles = append(titles, it.Title)
	}
	return titles
}

// TestQuestionsAndAnswers: across two daemons, a question is answered,
// the answer threaded under, accepted by the asker (and refused to
// someone else), edited by its author (and refused to someone else), and
// lists filter by tag, type and "unanswered"; a member who was offline
// sees it all once back.
func TestQuestionsAndAnswers(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Platform")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)

	q := a.createdID(t, "post", "new", community, "--question", "--title", "How do we rotate certificates?", "--body", "By hand today.", "--tag", "TLS")
	a.createdID(t, "post", "new", community, "--title", "DNS migration", "--body", "Plans.", "--tag", "dns")
	waitThreads(t, b, community, "How do we rotate certificates?", "DNS migration")

	r1 := b.createdID(t, "post", "reply", q, "--body", "Automate it.")
	r2 := b.createdID(t, "post", "reply", r1, "--body", "With an expiry alert too.")
	waitThread(t, a, q, "both replies on a", func(td api.ThreadDetail) bool { return len(td.Replies) == 2 })

	if r := b.run(t, "post", "accept", r1); r.code == 0 || !strings.Contains(r.stderr, "only the asker or a moderator") {
		t.Errorf("accept by a non-asker: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "post", "accept", r1)
	td := waitThread(t, b, q, "the accepted answer on b", func(td api.ThreadDetail) bool {
		return td.AcceptedReply != nil && td.AcceptedReply.ID.String() == r1
	})
	if td.Accepted == nil || td.Accepted.String() != r1 {
		t.Errorf("thread's accepted field: %v", td.Accepted)
	}
	// The reply to a reply says which one it answers.
	if td.Replies[1].ReplyTo == nil || td.Replies[1].ReplyTo.String() != r1 || td.Replies[1].ID.String() != r2 {
		t.Errorf("reply to a reply: %+v", td.Replies[1])
	}
	if out := b.mustRun(t, "post", "show", q); !strings.Contains(out, "in reply to "+r1[:8]) || !strings.Contains(out, "tags: tls\n") {
		t.Errorf("post show does not say what the reply answers: %q", out)
	}
	if r := a.run(t, "post", "accept", r1); r.code == 0 || !strings.Contains(r.stderr, "the accepted answer already") {
		t.Errorf("accept twice: exit %d, %q", r.code, r.stderr)
	}
	// Withdrawn, the question has no accepted answer again; accepted anew.
	if r := b.run(t, "post", "unaccept", q); r.code == 0 || !strings.Contains(r.stderr, "only the asker or a moderator") {
		t.Errorf("unaccept by a non-asker: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "post", "unaccept", q)
	waitThread(t, b, q, "no accepted answer on b", func(td api.ThreadDetail) bool { return td.AcceptedReply == nil })
	a.createdID(t, "post", "accept", r1)
	waitThread(t, b, q, "the accepted answer on b again", func(td api.ThreadDetail) bool { return td.AcceptedReply != nil })
	// A reply may be files alone.
	sheet := filepath.Join(t.TempDir(), "rotation.csv")
	must(t, os.WriteFile(sheet, []byte("host,expires\n"), 0o600))
	filesOnly := b.createdID(t, "post", "reply", q, "--attach", sheet)

	if r := a.run(t, "post", "edit", r1, "--body", "Not my words."); r.code == 0 || !strings.Contains(r.stderr, "only its author") {
		t.Errorf("edit of someone else's reply: exit %d, %q", r.code, r.stderr)
	}
	// An empty flag is a mistake, not "nothing to change"; a tag of no
	// letter or digit is refused, not dropped.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"post", "edit", q, "--title", " "}, "--title is empty: leave it out"},
		{[]string{"post", "edit", q, "--body", ""}, "--body is empty: leave it out"},
		{[]string{"post", "edit", q, "--tag", "!!!"}, `tag "!!!" has no letter or digit`},
		{[]string{"post", "new", community, "--title", "Tagged", "--tag", "ok", "--tag", " "}, `tag " " has no letter or digit`},
	} {
		if r := a.run(t, c.args...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	b.createdID(t, "post", "edit", r1, "--body", "Automate it with certbot.")
	a.createdID(t, "post", "edit", q, "--title", "How do we rotate TLS certificates?")
	td = waitThread(t, b, q, "both edits on b", func(td api.ThreadDetail) bool {
		return td.Title == "How do we rotate TLS certificates?" && len(td.Replies) == 3 && td.Replies[0].Body == "Automate it with certbot."
	})
	if td.Replies[2].ID.String() != filesOnly || len(td.Replies[2].Files) != 1 || td.Replies[2].Body != "" {
		t.Errorf("a reply of files alone: %+v", td.Replies[2])
	}
	if td.Replies[0].ID.String() != r1 || td.Replies[0].Edited == 0 || td.Edited == 0 || td.Body != "By hand today." {
		t.Errorf("edited thread as shown: %+v", td)
	}
	if td.AcceptedReply == nil || td.AcceptedReply.Body != "Automate it with certbot." {
		t.Errorf("the accepted answer does not show its new version: %+v", td.AcceptedReply)
	}
	if td.Replies[1].ID.String() != r2 {
		t.Errorf("second reply %s, want %s", td.Replies[1].ID, r2)
	}

	open := b.createdID(t, "post", "new", community, "--question", "--title", "Who owns the pager?", "--tag", "oncall")
	waitThreads(t, a, community, "How do we rotate TLS certificates?", "DNS migration", "Who owns the pager?")
	for _, tc := range []struct {
		flags []string
		want  []string
	}{
		{[]string{"--tag", "tls"}, []string{"How do we rotate TLS certificates?"}},
		{[]string{"--type", "question"}, []string{"Who owns the pager?", "How do we rotate TLS certificates?"}},
		{[]string{"--type", "discussion"}, []string{"DNS migration"}},
		{[]string{"--unanswered"}, []string{"Who owns the pager?"}},
	} {
		if got := listed(t, a, community, tc.flags...); !sameSet(got, tc.want) {
			t.Errorf("post list %v: %q, want %q", tc.flags, got, tc.want)
		}
	}
	// By activity, the time shown is the activity's: the thread created
	// first but replied to last comes first, with its reply's time.
	var byActivity []api.Thread
	if err := json.Unmarshal([]byte(a.mustRun(t, "post", "list", community, "--active", "--json")), &byActivity); err != nil {
		t.Fatal(err)
	}
	if active := a.mustRun(t, "post", "list", community, "--active"); !strings.Contains(active, "ACTIVE") ||
		!strings.Contains(active, time.UnixMilli(byActivity[0].LastActivity).Format("2006-01-02 15:04")) {
		t.Errorf("post list --active: %q", active)
	}
	if r := a.run(t, "post", "list", q); r.code == 0 || !strings.Contains(r.stderr, q+" is a post in community "+community+", not a community") {
		t.Errorf("post list of a post's id: exit %d, %q", r.code, r.stderr)
	}
	if r := a.run(t, "post", "list", community, "--type", "poll"); r.code == 0 || !strings.Contains(r.stderr, "want discussion, question or announcement") {
		t.Errorf("unknown type: exit %d, %q", r.code, r.stderr)
	}

	// b is away while a answers b's question; back, it sees the answer.
	b.stop(t)
	answer := a.createdID(t, "post", "reply", open, "--body", "The platform team.")
	b = startDaemonAt(t, b.home)
	waitThread(t, b, open, "the answer given while b was away", func(td api.ThreadDetail) bool {
		return len(td.Replies) == 1 && td.Replies[0].ID.String() == answer
	})
	b.createdID(t, "post", "accept", answer)
	waitThread(t, a, open, "b's accept on a", func(td api.ThreadDetail) bool { return td.AcceptedReply != nil })
	if got := listed(t, a, community, "--unanswered"); len(got) != 0 {
		t.Errorf("unanswered after both accepts: %q", got)
	}

	// Deleting an edit by its id takes that version alone.
	rota := a.createdID(t, "post", "new", community, "--title", "Rota", "--body", "first version")
	edit := a.createdID(t, "post", "edit", rota, "--body", "second version")
	waitThread(t, b, rota, "the edit on b", func(td api.ThreadDetail) bool { return td.Body == "second version" })
	if out := b.mustRun(t, "post", "show", edit); !strings.Contains(out, "Rota") || !strings.Contains(out, "second version") {
		t.Errorf("post show with an edit's id:\n%s", out)
	}
	if r := b.run(t, "post", "show", r1); r.code == 0 || !strings.Contains(r.stderr, "is a reply in thread "+q) {
		t.Errorf("post show with a reply's id: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "post", "delete", edit)
	waitThread(t, b, rota, "the version before the deleted edit on b", func(td api.ThreadDetail) bool { return td.Body == "first version" })

	// A reply outlives its thread's deletion, but is not shown: its id
	// does not send the user to the deleted thread.
	a.createdID(t, "post", "delete", q)
	b.poll(t, 15*time.Second, func() string { return "the question's deletion: not on b after 15s" }, func() bool { return b.run(t, "post", "show", q).code != 0 })
	if r := b.run(t, "post", "show", r1); r.code == 0 || !strings.Contains(r.stderr, "which is not shown") {
		t.Errorf("post show with a reply of a deleted thread: exit %d, %q", r.code, r.stderr)
	}
}

// TestReactions: reactions to a post, a reply and a note are counted on
// both daemons; a reaction to a note's later revision counts for the
// note; a member's repeated reaction (it would count once), bad
// reactions, and reactions to one's own records are refused.
func TestReactions(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Reacting")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)
	q := a.createdID(t, "post", "new", community, "--question", "--title", "Which linter?", "--body", "For Go.")
	waitThreads(t, b, community, "Which linter?")
	b.createdID(t, "react", q, "helpful")
	if r := b.run(t, "react", q, "Helpful"); r.code == 0 || !strings.Contains(r.stderr, `you already reacted "helpful" to that`) {
		t.Errorf("the same reaction again: exit %d, %q", r.code, r.stderr)
	}
	b.createdID(t, "react", q, "+1")
	r := b.createdID(t, "post", "reply", q, "--body", "go vet and staticcheck.")
	waitThread(t, a, q, "the reply on a", func(td api.ThreadDetail) bool { return len(td.Replies) == 1 })
	a.createdID(t, "react", r, "applied")
	td := waitThread(t, a, q, "the reactions on a", func(td api.ThreadDetail) bool {
		return td.Reactions.Helpful == 1 && td.Reactions.PlusOne == 1 && len(td.Replies) == 1 && td.Replies[0].Reactions.Applied == 1
	})
	if td.Reactions.Helpful != 1 {
		t.Errorf("helpful counted %d times", td.Reactions.Helpful)
	}
	if out := b.mustRun(t, "post", "show", q); !strings.Contains(out, "1 helpful, 1 +1") {
		t.Errorf("show:\n%s", out)
	}

	note := b.createdID(t, "note", "new", community, "--title", "Linters", "--body", "vet")
	waitNote(t, a, note, "the note on a", func(n api.NoteDetail) bool { return n.Title == "Linters" })
	rev := a.createdID(t, "note", "edit", note, "--body", "vet, staticcheck")
	waitNote(t, b, note, "a's revision on b", func(n api.NoteDetail) bool { return n.Revisions == 2 })
	b.stop(t)                               // b is away while a reacts
	a.createdID(t, "react", rev, "helpful") // a's revision, but the reaction is to b's note
	b = startDaemonAt(t, b.home)
	waitNote(t, b, note, "the note's reaction on b, back", func(n api.NoteDetail) bool { return n.Reactions.Helpful == 1 })
	if r := a.run(t, "react", note, "helpful"); r.code == 0 || !strings.Contains(r.stderr, "you already reacted") {
		t.Errorf("the same reaction to the note through its first revision: exit %d, %q", r.code, r.stderr)
	}

	for _, tc := range []struct{ id, reaction, want string }{
		{q, "love", "want helpful, +1 or applied"},
		{community, "helpful", "react to a post, reply or note"},
		{q, "helpful", "that is yours: a reaction counts only from other members"},
	} {
		if r := a.run(t, "react", tc.id, tc.reaction); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("react %s %s: exit %d, %q", tc.id, tc.reaction, r.code, r.stderr)
		}
	}
}
