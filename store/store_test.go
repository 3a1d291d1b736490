package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// openTest opens a store in a temp dir, closed when the test ends.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// world builds one community's records, one second apart.
type world struct {
	t     testing.TB
	id    protocol.ID
	clock time.Time
	all   []*protocol.Record
}

var (
	founder = prototest.Key("founder")
	alice   = prototest.Key("alice")
	bob     = prototest.Key("bob")
	carol   = prototest.Key("carol")
)

func newWorld(t testing.TB, policy protocol.JoinPolicy) (*world, *protocol.Record) {
	w := &world{t: t, clock: prototest.Now}
	g := w.rec(founder, protocol.Refs{}, &protocol.Community{Name: "Practice", Policy: policy})
	w.id = g.ID()
	return w, g
}

func (w *world) rec(key ed25519.PrivateKey, refs protocol.Refs, body protocol.Body) *protocol.Record {
	w.t.Helper()
	w.clock = w.clock.Add(time.Second)
	r := prototest.Sign(w.t, key, w.id, w.clock, refs, body)
	w.all = append(w.all, r)
	return r
}

func (w *world) join(k ed25519.PrivateKey) *protocol.Record {
	return w.rec(k, protocol.Refs{}, &protocol.Join{})
}

func (w *world) post(k ed25519.PrivateKey, title string, tags ...string) *protocol.Record {
	return w.rec(k, protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: title, Text: "body of " + title, Tags: tags})
}

func ingest(t testing.TB, s *Store, recs ...*protocol.Record) []Outcome {
	t.Helper()
	out, err := s.Ingest(context.Background(), recs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkClean(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 || rep.Dirty > 0 {
		t.Fatalf("store inconsistent (%d dirty): %v", rep.Dirty, rep.Problems)
	}
}

func TestOpenTwiceIsInUse(t *testing.T) {
	_, dir := openTest(t)
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: got %v, want %v", err, ErrInUse)
	}
}

func TestFormatVersion(t *testing.T) {
	s, dir := openTest(t)
	if err := s.writeFormat(FormatVersion + 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("a store from a newer kith was opened")
	}
}

func TestIngestIsIdempotent(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.post(founder, "Hello")
	out := ingest(t, s, g, p, p)
	if !out[0].Added || !out[1].Added || out[2].Added {
		t.Fatalf("first ingest: %+v", out)
	}
	out = ingest(t, s, p)
	if out[0].Added {
		t.Fatal("a duplicate was added again")
	}
	if out[0].ID != p.ID() {
		t.Fatal("outcome names the wrong record")
	}
	checkClean(t, s)
}

func TestThreadsPagination(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ingest(t, s, g)
	var posts []*protocol.Record
	for i := range 25 {
		posts = append(posts, w.post(founder, "Thread "+string(rune('A'+i))))
	}
	ingest(t, s, posts...)
	ctx := context.Background()
	var got []protocol.ID
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := s.Threads(ctx, w.id, Newest, ThreadFilter{}, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Items {
			got = append(got, v.Post)
		}
		if page.Next == "" {
			if pages != 2 || len(page.Items) != 5 {
				t.Fatalf("last page is page %d with %d items, want page 2 with 5", pages, len(page.Items))
			}
			break
		}
		cursor = page.Next
	}
	if len(got) != 25 {
		t.Fatalf("%d threads, want 25", len(got))
	}
	for i, id := range got {
		if id != posts[24-i].ID() {
			t.Fatalf("thread %d is %s, want newest first", i, id)
		}
	}
	// Exactly one page: no cursor.
	page, err := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 25)
	if err != nil || len(page.Items) != 25 || page.Next != "" {
		t.Fatalf("one full page: %d items, next %q, err %v", len(page.Items), page.Next, err)
	}
	if _, err := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "!!not a cursor", 10); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("bad cursor: got %v", err)
	}
	// An unknown community is empty, not an error.
	if page, err := s.Threads(ctx, protocol.ID{9}, Newest, ThreadFilter{}, "", 10); err != nil || len(page.Items) != 0 {
		t.Fatalf("unknown community: %v, %v", page, err)
	}
	checkClean(t, s)
}

func TestThreadDetailAndActivity(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja, jb := w.join(alice), w.join(bob)
	q := w.post(alice, "How do we rotate certificates?", "tls")
	old := w.post(bob, "Older thread")
	_ = old
	r1 := w.rec(bob, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "Automate it."})
	r2 := w.rec(founder, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "Monitor expiry."})
	edit := w.rec(alice, protocol.Refs{Target: q.ID()}, &protocol.Post{Type: protocol.PostQuestion, Title: "How do we rotate TLS certificates?", Tags: []string{"tls"}})
	acc := w.rec(alice, protocol.Refs{Root: q.ID(), Target: r2.ID()}, &protocol.Accept{})
	react := w.rec(bob, protocol.Refs{Target: q.ID()}, &protocol.React{Reaction: protocol.ReactHelpful})
	// Arrival out of order, in two batches.
	ingest(t, s, react, acc, r2, edit)
	ingest(t, s, r1, q, old, jb, ja, g)
	ctx := context.Background()
	d, err := s.Thread(ctx, w.id, q.ID(), "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.View.Current != edit.ID() || d.View.Title != "How do we rotate TLS certificates?" || d.Post.Record.ID() != edit.ID() {
		t.Errorf("thread shows %s %q, want the edit", d.View.Current, d.View.Title)
	}
	if d.View.Replies != 2 || d.Accepted == nil || d.Accepted.Record.ID() != r2.ID() || d.View.Reactions.Helpful != 1 {
		t.Errorf("replies %d accepted %v helpful %d", d.View.Replies, d.Accepted, d.View.Reactions.Helpful)
	}
	if len(d.Replies) != 1 || d.Replies[0].Record.ID() != r1.ID() || d.Next == "" {
		t.Fatalf("first reply page: %d replies, next %q", len(d.Replies), d.Next)
	}
	d2, err := s.Thread(ctx, w.id, q.ID(), d.Next, 1)
	if err != nil || len(d2.Replies) != 1 || d2.Replies[0].Record.ID() != r2.ID() || d2.Next != "" {
		t.Fatalf("second reply page: %+v %v", d2.Replies, err)
	}
	active, err := s.Threads(ctx, w.id, MostRecentActivity, ThreadFilter{}, "", 10)
	if err != nil || len(active.Items) != 2 || active.Items[0].Post != q.ID() || active.Items[0].LastActivity != edit.Header.Created {
		t.Fatalf("most active: %+v %v", active.Items, err)
	}
	if _, err := s.Thread(ctx, w.id, protocol.ID{1}, "", 10); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing thread: got %v", err)
	}
	checkClean(t, s)
}

func TestTombstonePurgesBody(t *testing.T) {
	s, dir := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	secret := "the launch code is 0000-SECRET"
	p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "oops", Text: secret, Tags: []string{"private"}})
	ingest(t, s, g, p)
	ctx := context.Background()
	if page, _ := s.ByTag(ctx, w.id, "private", "", 10); len(page.Items) != 1 {
		t.Fatalf("tagged post not found before deletion")
	}
	tomb := w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Tombstone{Reason: "secret"})
	ingest(t, s, tomb)
	e, err := s.Get(ctx, p.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !e.Record.Purged() || !e.Meta.Deleted || e.Meta.Live() {
		t.Fatalf("after tombstone: purged %v deleted %v", e.Record.Purged(), e.Meta.Deleted)
	}
	if page, _ := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 10); len(page.Items) != 0 {
		t.Fatal("deleted thread still listed")
	}
	if page, _ := s.ByTag(ctx, w.id, "private", "", 10); len(page.Items) != 0 {
		t.Fatal("deleted post still found by tag")
	}
	// The header still reconciles: the deleted post stays in the set.
	if _, n := s.Fingerprint(w.id, protocol.Position{}, protocol.MaxPosition); n != 3 {
		t.Fatalf("reconciliation set has %d records, want 3", n)
	}
	checkClean(t, s)
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if e, err := s2.Get(ctx, p.ID()); err != nil || !e.Record.Purged() {
		t.Fatalf("after reopen: %v %v", e.Record, err)
	}
	// A tombstone that arrives before its target purges it on arrival.
	s3, _ := openTest(t)
	ingest(t, s3, g, tomb)
	ingest(t, s3, p)
	if e, err := s3.Get(ctx, p.ID()); err != nil || !e.Record.Purged() {
		t.Fatalf("target after its tombstone: purged %v, %v", e.Record.Purged(), err)
	}
	checkClean(t, s3)
}

func TestPendingAdmittedLater(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinInvite)
	invKey := prototest.Key("invite")
	inv := w.rec(founder, protocol.Refs{}, &protocol.Invite{Key: protocol.PublicKeyOf(invKey), Expires: w.clock.Add(time.Hour).UnixMilli(), MaxUses: 1})
	join := w.rec(alice, protocol.Refs{Target: inv.ID()}, &protocol.Join{InviteKey: protocol.PublicKeyOf(invKey),
		InviteProof: protocol.InviteProof(invKey, w.id, protocol.PublicKeyOf(alice))})
	p := w.post(alice, "Hello from a newcomer")
	ctx := context.Background()
	out := ingest(t, s, g, inv, p)
	if out[2].Status != protocol.StatusPending {
		t.Fatalf("post before its author's join: %s", out[2].Status)
	}
	if page, _ := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 10); len(page.Items) != 0 {
		t.Fatal("a pending post is listed")
	}
	if _, n := s.Fingerprint(w.id, protocol.Position{}, protocol.MaxPosition); n != 2 {
		t.Fatalf("pending record in the reconciliation set: %d items", n)
	}
	ingest(t, s, join)
	page, _ := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 10)
	if len(page.Items) != 1 || page.Items[0].Post != p.ID() {
		t.Fatalf("after the join: %d threads", len(page.Items))
	}
	if e, _ := s.Get(ctx, p.ID()); e.Meta.Status != protocol.StatusAccepted {
		t.Fatalf("status after join: %s", e.Meta.Status)
	}
	if _, n := s.Fingerprint(w.id, protocol.Position{}, protocol.MaxPosition); n != 4 {
		t.Fatalf("reconciliation set has %d items after the join, want 4", n)
	}
	members, err := s.Members(ctx, w.id, "", 10)
	if err != nil || len(members.Items) != 2 || members.Items[1].Standing != protocol.StandingMember {
		t.Fatalf("members: %+v %v", members.Items, err)
	}
	checkClean(t, s)
}

func TestConcurrentNoteHeads(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja, jb := w.join(alice), w.join(bob)
	n1 := w.rec(alice, protocol.Refs{}, &protocol.Note{Title: "Runbook", Text: "v1", Tags: []string{"ops"}})
	a := w.rec(alice, protocol.Refs{Root: n1.ID(), Parents: []protocol.ID{n1.ID()}}, &protocol.Note{Title: "Runbook", Text: "alice"})
	b := w.rec(bob, protocol.Refs{Root: n1.ID(), Parents: []protocol.ID{n1.ID()}}, &protocol.Note{Title: "Runbook (bob)", Text: "bob"})
	ingest(t, s, g, ja, jb, n1, a, b)
	ctx := context.Background()
	d, err := s.Note(ctx, w.id, n1.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Heads) != 2 || d.View.Current != b.ID() || d.View.Title != "Runbook (bob)" || len(d.History) != 3 {
		t.Fatalf("heads %d current %s title %q history %d", len(d.Heads), d.View.Current, d.View.Title, len(d.History))
	}
	merge := w.rec(carol, protocol.Refs{Root: n1.ID(), Parents: []protocol.ID{a.ID(), b.ID()}}, &protocol.Note{Title: "Runbook", Text: "merged"})
	jc := w.join(carol)
	ingest(t, s, merge, jc)
	d, _ = s.Note(ctx, w.id, n1.ID())
	if len(d.Heads) != 1 || d.View.Current != merge.ID() {
		t.Fatalf("after merge: %d heads", len(d.Heads))
	}
	notes, err := s.Notes(ctx, w.id, "", 10)
	if err != nil || len(notes.Items) != 1 || notes.Items[0].Revisions != 4 {
		t.Fatalf("notes: %+v %v", notes.Items, err)
	}
	checkClean(t, s)
}

func TestIndexesAndEvents(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja := w.join(alice)
	prof := w.rec(alice, protocol.Refs{}, &protocol.Profile{Name: "Alice", Org: "Acme", Expertise: []string{"tls"}})
	p := w.post(alice, "Certs", "tls")
	past := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Last month", Start: prototest.Now.Add(-30 * 24 * time.Hour).UnixMilli()})
	soon := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Next call", Start: prototest.Now.Add(24 * time.Hour).UnixMilli()})
	rsvp := w.rec(alice, protocol.Refs{Target: soon.ID()}, &protocol.RSVP{Answer: protocol.AnswerYes})
	ingest(t, s, g, ja, prof, p, past, soon, rsvp)
	ctx := context.Background()
	byAuthor, err := s.ByAuthor(ctx, w.id, protocol.PublicKeyOf(alice), "", 10)
	if err != nil || len(byAuthor.Items) != 4 {
		t.Fatalf("by author: %d %v", len(byAuthor.Items), err)
	}
	byKind, _ := s.ByKind(ctx, w.id, protocol.KindEvent, "", 10)
	byTag, _ := s.ByTag(ctx, w.id, "tls", "", 10) // the post and the profile's expertise
	if len(byKind.Items) != 2 || len(byTag.Items) != 2 {
		t.Fatalf("by kind %d, by tag %d", len(byKind.Items), len(byTag.Items))
	}
	events, err := s.UpcomingEvents(ctx, w.id, prototest.Now.UnixMilli(), "", 10)
	if err != nil || len(events.Items) != 1 || events.Items[0].Event != soon.ID() || events.Items[0].Yes != 1 {
		t.Fatalf("upcoming: %+v %v", events.Items, err)
	}
	members, _ := s.Members(ctx, w.id, "", 1)
	if len(members.Items) != 1 || members.Next == "" {
		t.Fatalf("members page 1: %+v", members)
	}
	members, _ = s.Members(ctx, w.id, members.Next, 1)
	if len(members.Items) != 1 || members.Items[0].Name != "Alice" || members.Items[0].Org != "Acme" || members.Next != "" {
		t.Fatalf("members page 2: %+v", members)
	}
	checkClean(t, s)
}

func TestReactionBeforeItsTarget(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.post(founder, "Target")
	react := w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.React{Reaction: protocol.ReactApplied})
	undo := w.rec(founder, protocol.Refs{Target: react.ID()}, &protocol.Tombstone{})
	ingest(t, s, g, undo)
	ingest(t, s, react)
	checkClean(t, s)
	ingest(t, s, p)
	page, err := s.Threads(context.Background(), w.id, Newest, ThreadFilter{}, "", 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].Reactions.Applied != 0 {
		t.Fatalf("the undone reaction counts: %+v %v", page.Items, err)
	}
	if e, _ := s.Get(context.Background(), react.ID()); !e.Meta.Deleted || e.Meta.Object.ID != p.ID() {
		t.Fatalf("reaction meta after its target arrived: %+v", e.Meta)
	}
	checkClean(t, s)
}

func TestIngestCancelledKeepsStateConsistent(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	recs := []*protocol.Record{g}
	for range 600 {
		recs = append(recs, w.join(prototest.Key(w.clock.String())))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := s.Ingest(ctx, recs)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ingest: got %v", err)
	}
	added := 0
	for _, o := range out {
		if o.Added {
			added++
		}
	}
	// Whatever was added is consistent, and the rest can be ingested later.
	checkClean(t, s)
	out = ingest(t, s, recs...)
	for _, o := range out {
		if o.Added {
			added++
		}
	}
	if added != len(recs) {
		t.Fatalf("%d records added in all, want %d", added, len(recs))
	}
	n, cursor := 0, ""
	for {
		members, err := s.Members(context.Background(), w.id, cursor, MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		n += len(members.Items)
		if cursor = members.Next; cursor == "" {
			break
		}
	}
	if n != 601 {
		t.Fatalf("%d members, want 601", n)
	}
	checkClean(t, s)
}

// filesContaining lists the files under dir that contain s.
func filesContaining(t *testing.T, dir, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed by the store while walking
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = append(found, filepath.Base(path))
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestScrubRemovesPurgedBodiesFromDisk checks that a deleted body leaves
// the database's files, not only its latest version.
func TestScrubRemovesPurgedBodiesFromDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{FlushDelay: time.Hour}) // no background scrub
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, g := newWorld(t, protocol.JoinOpen)
	secret := "the launch code is 0000-SECRET"
	p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "oops", Text: secret})
	ingest(t, s, g, p)
	ingest(t, s, w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Tombstone{}))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if files := filesContaining(t, dir, secret); len(files) == 0 {
		t.Fatal("the body was never on disk: this test proves nothing")
	}
	s.mu.Lock()
	needed := s.needScrub
	err = s.scrub()
	s.mu.Unlock()
	if !needed || err != nil {
		t.Fatalf("scrub needed %v, err %v", needed, err)
	}
	if files := filesContaining(t, dir, secret); len(files) > 0 {
		t.Fatalf("the purged body is still on disk in %v", files)
	}
	checkClean(t, s)
}

// TestScrubAfterTheUsersDeletion: a deletion the user writes (Put) has
// the deleted text scrubbed from disk in the background too; it stayed
// until a record came from a peer or the daemon stopped.
func TestScrubAfterTheUsersDeletion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{FlushDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	secret := "narwhal plum 0000-SECRET"
	p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "oops", Text: secret})
	for _, r := range []*protocol.Record{g, p, w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Tombstone{})} {
		if _, err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for files := filesContaining(t, dir, secret); len(files) > 0; files = filesContaining(t, dir, secret) {
		if time.Now().After(deadline) {
			t.Fatalf("the deleted text is still on disk in %v after 10s", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkClean(t, s)
}

// TestThreadFiltersAndReplyEdits: lists filtered by tag, type and
// "unanswered", paginated; an edited reply shows in its author's newest
// version, and an edit by someone else is not shown.
func TestThreadFiltersAndReplyEdits(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja, jb := w.join(alice), w.join(bob)
	q1 := w.post(alice, "Answered question", "tls")
	q2 := w.post(bob, "Open question", "dns")
	d1 := w.rec(alice, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "A discussion", Tags: []string{"tls"}})
	a1 := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostAnnouncement, Title: "Meeting moved"})
	r1 := w.rec(bob, protocol.Refs{Root: q1.ID()}, &protocol.Reply{Text: "first draft"})
	r1edit := w.rec(bob, protocol.Refs{Root: q1.ID(), Target: r1.ID()}, &protocol.Reply{Text: "second draft"})
	foreign := w.rec(alice, protocol.Refs{Root: q1.ID(), Target: r1.ID()}, &protocol.Reply{Text: "not bob's words"})
	acc := w.rec(alice, protocol.Refs{Root: q1.ID(), Target: r1.ID()}, &protocol.Accept{})
	ingest(t, s, g, ja, jb, q1, q2, d1, a1, r1, r1edit, foreign, acc)
	ctx := context.Background()
	titles := func(f ThreadFilter) []string {
		t.Helper()
		var out []string
		for cursor := ""; ; {
			page, err := s.Threads(ctx, w.id, Newest, f, cursor, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page.Items {
				out = append(out, v.Title)
			}
			if cursor = page.Next; cursor == "" {
				return out
			}
		}
	}
	for _, tc := range []struct {
		filter ThreadFilter
		want   []string
	}{
		{ThreadFilter{}, []string{"Meeting moved", "A discussion", "Open question", "Answered question"}},
		{ThreadFilter{Tag: "tls"}, []string{"A discussion", "Answered question"}},
		{ThreadFilter{Type: protocol.PostQuestion}, []string{"Open question", "Answered question"}},
		{ThreadFilter{Type: protocol.PostAnnouncement}, []string{"Meeting moved"}},
		{ThreadFilter{Unanswered: true}, []string{"Open question"}},
		{ThreadFilter{Unanswered: true, Tag: "tls"}, nil},
	} {
		if got := titles(tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.filter, got, tc.want)
		}
	}
	d, err := s.Thread(ctx, w.id, q1.ID(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Replies) != 1 || d.Replies[0].Record.ID() != r1.ID() || d.Versions[r1.ID()].Record.ID() != r1edit.ID() {
		t.Fatalf("replies %+v, versions %+v: want r1 shown as bob's edit", d.Replies, d.Versions)
	}
	if d.Accepted == nil || d.Accepted.Record.ID() != r1.ID() {
		t.Errorf("accepted: %+v", d.Accepted)
	}
	checkClean(t, s)
}

func TestPastEventsNewestFirstInPages(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	day := 24 * time.Hour
	var past []*protocol.Record
	for i := 1; i <= 5; i++ {
		past = append(past, w.rec(founder, protocol.Refs{}, &protocol.Event{Title: fmt.Sprintf("%d days ago", i), Start: prototest.Now.Add(-time.Duration(i) * day).UnixMilli()}))
	}
	running := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Running", Start: prototest.Now.Add(-time.Hour).UnixMilli(), End: prototest.Now.Add(time.Hour).UnixMilli()})
	soon := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Soon", Start: prototest.Now.Add(day).UnixMilli()})
	// Without an end, an event lasts OpenEndedLength: one that started
	// ten minutes ago is not over, one that started two hours ago is.
	justStarted := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Just started", Start: prototest.Now.Add(-10 * time.Minute).UnixMilli()})
	earlier := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Two hours ago", Start: prototest.Now.Add(-2 * time.Hour).UnixMilli()})
	ingest(t, s, append([]*protocol.Record{g, running, soon, justStarted, earlier}, past...)...)
	ctx := context.Background()
	now := prototest.Now.UnixMilli()
	var got []protocol.ID
	pages := 0
	for cursor := ""; ; {
		page, err := s.PastEvents(ctx, w.id, now, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range page.Items {
			got = append(got, v.Event)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	want := []protocol.ID{earlier.ID()}
	for _, r := range past { // 1 day ago first
		want = append(want, r.ID())
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("past events in %d pages: %v, want %v", pages, got, want)
	}
	upcoming, err := s.UpcomingEvents(ctx, w.id, now, "", 10)
	if err != nil || len(upcoming.Items) != 3 || upcoming.Items[0].Event != running.ID() || upcoming.Items[1].Event != justStarted.ID() || upcoming.Items[2].Event != soon.ID() {
		t.Fatalf("upcoming: %+v %v", upcoming.Items, err)
	}
	if _, err := s.PastEvents(ctx, w.id, now, "!!", 2); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

// TestReactionsOf: the reactions a member gave the records of a thread
// that stand, each with its record: not another member's, not one undone
// by its author.
func TestReactionsOf(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja := w.join(alice)
	p := w.post(founder, "Target")
	reply := w.rec(founder, protocol.Refs{Root: p.ID()}, &protocol.Reply{Text: "a reply"})
	helpful := w.rec(alice, protocol.Refs{Target: p.ID()}, &protocol.React{Reaction: protocol.ReactHelpful})
	plusOne := w.rec(alice, protocol.Refs{Target: p.ID()}, &protocol.React{Reaction: protocol.ReactPlusOne})
	undo := w.rec(alice, protocol.Refs{Target: plusOne.ID()}, &protocol.Tombstone{})
	toReply := w.rec(alice, protocol.Refs{Target: reply.ID()}, &protocol.React{Reaction: protocol.ReactApplied})
	ingest(t, s, g, ja, p, reply, helpful, plusOne, undo, toReply)
	ctx := context.Background()
	shown := []protocol.ID{p.ID(), reply.ID(), p.ID()} // a target twice is read once
	got, err := s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(alice), shown)
	if err != nil {
		t.Fatal(err)
	}
	want := map[protocol.ID]map[protocol.Reaction]protocol.ID{
		p.ID():     {protocol.ReactHelpful: helpful.ID()},
		reply.ID(): {protocol.ReactApplied: toReply.ID()},
	}
	if !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("alice's reactions: %v, want %v", got, want)
	}
	if got, err := s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(founder), shown); err != nil || len(got) != 0 {
		t.Errorf("the founder's reactions: %v %v", got, err)
	}
	// Only the targets asked about.
	got, err = s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(alice), []protocol.ID{reply.ID()})
	if want := map[protocol.ID]map[protocol.Reaction]protocol.ID{reply.ID(): want[reply.ID()]}; err != nil || !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("alice's reactions to the reply: %v %v, want %v", got, err, want)
	}
	checkClean(t, s)
}

// TestBadgerCacheWarningsAreDebug: Badger's warning that a cache "might
// be too small" (they are small on purpose) is logged at debug level;
// its other warnings stay warnings.
func TestBadgerCacheWarningsAreDebug(t *testing.T) {
	var b strings.Builder
	l := badgerLogger{slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Warningf("%s might be too small. Metrics: %s\n", "Block cache", "hit: 1 miss: 9")
	l.Warningf("Cache life expectancy (in seconds): %+v\n", "histogram")
	l.Warningf("Value log GC: %s\n", "something else")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "level=DEBUG") || !strings.Contains(lines[1], "level=DEBUG") || !strings.Contains(lines[2], "level=WARN") {
		t.Errorf("logged:\n%s", b.String())
	}
}
