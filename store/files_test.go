package store

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/kith-network/kith/protocol"
)

func attachment(name string) protocol.Attachment {
	h := protocol.NewFileHasher()
	h.Write([]byte("bytes of " + name))
	a, _ := h.Attachment(name, "application/pdf")
	return a
}

// TestFiles: records' attachments are indexed by hash per community,
// listed, found for serving, and forgotten when a tombstone purges the
// record that named them, or the thread it belongs to, unless another
// record still names them.
func TestFiles(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	slides, sheet := attachment("slides.pdf"), attachment("sheet.pdf")
	post := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Deck", Files: []protocol.Attachment{slides, sheet}})
	reply := w.rec(alice, protocol.Refs{Root: post.ID()}, &protocol.Reply{Files: []protocol.Attachment{sheet}})
	ingest(t, s, g, w.join(alice), post, reply)

	page, err := s.Files(ctx, w.id, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 {
		t.Fatalf("Files: %d items, want 3 (slides once, the sheet twice)", len(page.Items))
	}
	for _, f := range page.Items {
		if f.File.Name != "slides.pdf" && f.File.Name != "sheet.pdf" {
			t.Errorf("listed %+v", f.File)
		}
	}
	if p1, _ := s.Files(ctx, w.id, "", 2); len(p1.Items) != 2 || p1.Next == "" {
		t.Errorf("first page of 2: %d items, next %q", len(p1.Items), p1.Next)
	} else if p2, _ := s.Files(ctx, w.id, p1.Next, 2); len(p2.Items) != 1 || p2.Next != "" {
		t.Errorf("second page: %d items, next %q", len(p2.Items), p2.Next)
	}
	if f, ok, err := s.FileNamed(w.id, slides.HashID()); err != nil || !ok || f.Name != "slides.pdf" {
		t.Errorf("FileNamed(slides) = %+v, %v, %v", f, ok, err)
	}
	if _, ok, _ := s.FileNamed(protocol.ID{7}, slides.HashID()); ok {
		t.Error("a file found under a community that never named it")
	}

	// A second thread names the sheet too.
	other := w.rec(bob, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Sheet", Files: []protocol.Attachment{sheet}})
	ingest(t, s, w.join(bob), other)
	// The first post is deleted: the reply outlives it, but is never shown
	// again, so neither its file nor the post's is served, listed or kept
	// on its account; the sheet stays for the second thread.
	ingest(t, s, w.rec(founder, protocol.Refs{Target: post.ID()}, &protocol.Tombstone{}))
	for _, tc := range []struct {
		f    protocol.Attachment
		want bool
	}{{slides, false}, {sheet, true}} {
		if got, err := s.FileReferenced(ctx, tc.f.HashID()); err != nil || got != tc.want {
			t.Errorf("after the post's deletion, %s referenced = %v (%v), want %v", tc.f.Name, got, err, tc.want)
		}
	}
	if _, ok, _ := s.FileNamed(w.id, slides.HashID()); ok {
		t.Error("a deleted record's file is still served")
	}
	if page, err := s.Files(ctx, w.id, "", 10); err != nil || len(page.Items) != 1 || page.Items[0].Entry.Record.ID() != other.ID() {
		t.Errorf("Files after the thread's deletion: %d items (%v), want the second thread's sheet", len(page.Items), err)
	}
	checkClean(t, s)
	ingest(t, s, w.rec(bob, protocol.Refs{Target: other.ID()}, &protocol.Tombstone{}))
	if got, _ := s.FileReferenced(ctx, sheet.HashID()); got {
		t.Error("the sheet is still referenced by a reply of a deleted thread")
	}
	if _, ok, _ := s.FileNamed(w.id, sheet.HashID()); ok {
		t.Error("the reply of a deleted thread still has its file served")
	}
	ingest(t, s, w.rec(alice, protocol.Refs{Target: reply.ID()}, &protocol.Tombstone{}))
	if got, _ := s.FileReferenced(ctx, sheet.HashID()); got {
		t.Error("the sheet is still referenced after every record was deleted")
	}
	if page, _ := s.Files(ctx, w.id, "", 10); len(page.Items) != 0 {
		t.Errorf("Files after the deletions: %d", len(page.Items))
	}
	checkClean(t, s)
}

// TestDeletionPurgesEdits: a tombstone on a post purges the bodies of its
// author's edits too, on disk as in the views.
func TestDeletionPurgesEdits(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "plans", Text: "first draft"})
	edit := w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Post{Type: protocol.PostDiscussion, Title: "plans", Text: "the edited secret",
		Files: []protocol.Attachment{attachment("plans.pdf")}})
	ingest(t, s, g, p, edit)
	ingest(t, s, w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Tombstone{}))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*protocol.Record{p, edit} {
		e, err := s.Get(ctx, r.ID())
		if err != nil || !e.Record.Purged() || !e.Meta.Deleted {
			t.Errorf("record %s after its post's deletion: purged %v, deleted %v, %v", r.ID(), e.Record.Purged(), e.Meta.Deleted, err)
		}
	}
	if ok, _ := s.FileReferenced(ctx, attachment("plans.pdf").HashID()); ok {
		t.Error("the deleted edit's file is still referenced")
	}
	checkClean(t, s)
}

// TestScrubDueSurvivesARestart: a purge leaves a marker, written with it,
// until the scrub after it; a store opened with the marker (the last run
// stopped between the two) scrubs.
func TestScrubDueSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, g := newWorld(t, protocol.JoinOpen)
	p := w.post(founder, "oops")
	ingest(t, s, g, p, w.rec(founder, protocol.Refs{Target: p.ID()}, &protocol.Tombstone{}))
	must(t, s.Flush(context.Background()))
	if due, err := s.scrubDue(); err != nil || !due {
		t.Fatalf("after a purge, scrub due = %v, %v", due, err)
	}
	s.mu.Lock()
	must(t, s.scrub())
	s.mu.Unlock()
	if due, _ := s.scrubDue(); due {
		t.Fatal("the marker stayed after the scrub")
	}
	// A run that purged and stopped before scrubbing: the marker is there,
	// and this run does not scrub (needScrub is false), as after a crash.
	must(t, s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte{tScrubDue}, nil) }))
	s.mu.Lock()
	s.needScrub = false
	s.mu.Unlock()
	must(t, s.Close())
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if due, _ := s.scrubDue(); !due {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the store opened with a scrub due never scrubbed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFilesOnceForAllVersions: an edit names the files it keeps again;
// Files lists each file once for a post, reply or event however often
// it was edited, at its first version that names it, while a reply naming
// the same file is listed apart.
func TestFilesOnceForAllVersions(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	plan, extra := attachment("plan.pdf"), attachment("extra.pdf")
	start := w.clock.Add(24 * time.Hour).UnixMilli()
	ev := w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "Meetup", Start: start, Files: []protocol.Attachment{plan}})
	edit1 := w.rec(founder, protocol.Refs{Target: ev.ID()}, &protocol.Event{Title: "Meetup, moved", Start: start + 3600_000, Files: []protocol.Attachment{plan}})
	edit2 := w.rec(founder, protocol.Refs{Target: ev.ID()}, &protocol.Event{Title: "Meetup, moved again", Start: start + 7200_000, Files: []protocol.Attachment{plan, extra}})
	post := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Plan", Files: []protocol.Attachment{plan}})
	postEdit := w.rec(founder, protocol.Refs{Target: post.ID()}, &protocol.Post{Type: protocol.PostDiscussion, Title: "The plan", Files: []protocol.Attachment{plan}})
	reply := w.rec(alice, protocol.Refs{Root: post.ID()}, &protocol.Reply{Text: "the same plan", Files: []protocol.Attachment{plan}})
	ingest(t, s, g, w.join(alice), ev, edit1, edit2, post, postEdit, reply)

	var got []string
	for cursor := ""; ; { // pages of one: an earlier version on another page still counts
		page, err := s.Files(ctx, w.id, cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Items {
			got = append(got, f.File.Name+" in "+f.Entry.Record.ID().String()[:8])
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	want := map[string]bool{"plan.pdf in " + ev.ID().String()[:8]: true, "extra.pdf in " + edit2.ID().String()[:8]: true,
		"plan.pdf in " + post.ID().String()[:8]: true, "plan.pdf in " + reply.ID().String()[:8]: true}
	if len(got) != len(want) {
		t.Fatalf("Files lists %q, want %d items", got, len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("Files lists %q, want %v", g, want)
		}
	}
}

// TestHiddenReplyEditFiles: a hide does not pass down to a reply's edits,
// which name its files again; the edit's files are not shown while the
// reply is hidden.
func TestHiddenReplyEditFiles(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	secret := attachment("secret.pdf")
	post := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Thread"})
	reply := w.rec(alice, protocol.Refs{Root: post.ID()}, &protocol.Reply{Text: "see this", Files: []protocol.Attachment{secret}})
	edit := w.rec(alice, protocol.Refs{Root: post.ID(), Target: reply.ID()}, &protocol.Reply{Text: "see this, edited", Files: []protocol.Attachment{secret}})
	ingest(t, s, g, w.join(alice), post, reply, edit)
	if page, err := s.Files(ctx, w.id, "", 10); err != nil || len(page.Items) != 1 {
		t.Fatalf("before the hide, Files lists %d (%v), want the reply's file once", len(page.Items), err)
	}
	ingest(t, s, w.rec(founder, protocol.Refs{Target: reply.ID()}, &protocol.Hide{Reason: "leak"}))
	if err := s.Flush(ctx); err != nil { // FileNamed does not wait for the views
		t.Fatal(err)
	}
	if _, ok, _ := s.FileNamed(w.id, secret.HashID()); ok {
		t.Error("the hidden reply's file is served through its edit")
	}
	if page, err := s.Files(ctx, w.id, "", 10); err != nil || len(page.Items) != 0 {
		t.Errorf("after the hide, Files lists %d (%v)", len(page.Items), err)
	}
	if ok, _ := s.FileReferenced(ctx, secret.HashID()); !ok {
		t.Error("a hidden reply's file is no longer kept (a moderator may show it again)")
	}
}
