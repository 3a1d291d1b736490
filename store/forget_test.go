package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// forgetWorlds fills a store with two communities holding records of
// every table: threads with replies, tags, a reaction, a tombstone, a
// note, an event, an attachment, a pending record, a record waiting for
// its target. It returns the one to forget (whose texts all contain
// secret) and the one to keep.
func forgetWorlds(t *testing.T, s *Store, secret string) (gone, kept *world) {
	t.Helper()
	fill := func(name, text string) *world {
		w := &world{t: t, clock: time.UnixMilli(1_700_000_000_000)}
		g := w.rec(founder, protocol.Refs{}, &protocol.Community{Name: name, Policy: protocol.JoinOpen})
		w.id = g.ID()
		w.all = []*protocol.Record{g} // rec appended g before w.id was set
		w.join(alice)
		p := w.rec(founder, protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "Q " + text, Text: text, Tags: []string{"vpn"},
			Files: []protocol.Attachment{attachment(name + ".pdf")}})
		r := w.rec(alice, protocol.Refs{Root: p.ID(), Target: p.ID()}, &protocol.Reply{Text: "reply " + text})
		w.rec(founder, protocol.Refs{Target: r.ID()}, &protocol.React{Reaction: protocol.ReactHelpful})
		w.rec(founder, protocol.Refs{Root: p.ID(), Target: r.ID()}, &protocol.Accept{})
		d := w.rec(alice, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "deleted " + text, Text: text})
		w.rec(alice, protocol.Refs{Target: d.ID()}, &protocol.Tombstone{})
		w.rec(alice, protocol.Refs{}, &protocol.Note{Title: "note " + text, Text: text})
		w.rec(founder, protocol.Refs{}, &protocol.Event{Title: "event " + text, Start: w.clock.Add(48 * time.Hour).UnixMilli()})
		w.rec(bob, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "pending " + text, Text: text}) // bob never joined
		// A post whose reply came first: the reply waited under 'w' and
		// moved into the thread, leaving an older version under 'w'.
		early := w.rec(alice, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "late post " + text, Text: text})
		earlyReply := w.rec(alice, protocol.Refs{Root: early.ID()}, &protocol.Reply{Text: "came first " + text})
		ingest(t, s, w.all[:len(w.all)-2]...)
		ingest(t, s, earlyReply)
		s.mu.Lock() // into the files, as time would
		err := s.scrub()
		s.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		ingest(t, s, early)
		// A reaction to a record this store has not got: it waits.
		absent := (&world{t: t, id: w.id, clock: w.clock}).rec(alice, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "absent"})
		w.rec(founder, protocol.Refs{Target: absent.ID()}, &protocol.React{Reaction: protocol.ReactPlusOne})
		ingest(t, s, w.all...)
		return w
	}
	gone = fill("Forgotten", secret)
	kept = fill("Kept", "kept text")
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return gone, kept
}

// keysOf counts the keys of the store that belong to community c: in one
// of its tables, or a pointer to one of ids.
func keysOf(t *testing.T, s *Store, c protocol.ID, ids []*protocol.Record) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) > idLen && bytes.Equal(k[1:1+idLen], c[:]) && k[0] != tRecord {
				n++
			}
		}
		for _, r := range ids {
			id := r.ID()
			if ok, err := has(txn, key(tRecord, id[:])); err != nil || ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestForget: forgetting a community removes every key of it, and its
// text from the files on disk, leaves the other community whole, and
// stores none of its records until it is remembered.
func TestForget(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{FlushDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	secret := "otter-velvet-0000-SECRET"
	gone, kept := forgetWorlds(t, s, secret)
	checkClean(t, s)
	if len(filesContaining(t, dir, secret)) == 0 {
		t.Fatal("the text was never on disk: this test proves nothing")
	}
	if n := keysOf(t, s, gone.id, gone.all); n < 3*len(gone.all) {
		t.Fatalf("%d keys of the community before forgetting: this test proves nothing", n)
	}
	keptBefore := keysOf(t, s, kept.id, kept.all)

	n, err := s.Forget(ctx, gone.id)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(gone.all) {
		t.Errorf("Forget removed %d records, want %d", n, len(gone.all))
	}
	if got := s.Communities(); len(got) != 1 || got[0] != kept.id {
		t.Fatalf("communities after forgetting: %v, want only %s", got, kept.id)
	}
	if n := keysOf(t, s, gone.id, gone.all); n != 0 {
		t.Errorf("%d keys of the forgotten community remain", n)
	}
	// DropPrefix leaves what it does not drop (an older version under a
	// prefix with no live key): the scrub Forget schedules removes it.
	t.Logf("after DropPrefix, before the scrub, the text is in %v", filesContaining(t, dir, secret))
	s.mu.Lock()
	due := s.needScrub
	err = s.scrub()
	s.mu.Unlock()
	if !due || err != nil {
		t.Fatalf("scrub due %v, err %v", due, err)
	}
	if files := filesContaining(t, dir, secret); len(files) > 0 {
		t.Errorf("the forgotten community's text is still on disk in %v", files)
	}
	if got := keysOf(t, s, kept.id, kept.all); got != keptBefore {
		t.Errorf("the other community has %d keys, had %d", got, keptBefore)
	}
	if _, err := s.Get(ctx, gone.all[2].ID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a forgotten record: %v, want ErrNotFound", err)
	}
	if m := s.Membership(gone.id); m != nil {
		t.Errorf("membership of a forgotten community: %+v", m)
	}
	if page, err := s.Threads(ctx, kept.id, Newest, ThreadFilter{}, "", 10); err != nil || len(page.Items) != 2 {
		t.Errorf("the other community lists %d threads (%v), want 2 (one more deleted, one more pending)", len(page.Items), err)
	}
	checkClean(t, s)
	if _, err := s.Forget(ctx, gone.id); !errors.Is(err, ErrNotFound) {
		t.Errorf("forgetting it again: %v, want ErrNotFound", err)
	}

	// A sync session that was running delivers more: not stored.
	late := gone.post(alice, "late")
	if out := ingest(t, s, gone.all[0], late); out[0].Added || !out[0].Forgotten || out[1].Added || !out[1].Forgotten {
		t.Errorf("records of a forgotten community: %+v", out)
	}
	if _, err := s.Put(ctx, late); !errors.Is(err, ErrForgotten) {
		t.Errorf("Put into a forgotten community: %v, want ErrForgotten", err)
	}
	if len(s.Communities()) != 1 {
		t.Fatalf("a late record listed the community again: %v", s.Communities())
	}

	// Joined again: its records are stored as any.
	s.Remember(gone.id)
	if out := ingest(t, s, gone.all...); !out[0].Added || out[0].Forgotten {
		t.Errorf("after Remember, the genesis: %+v", out[0])
	}
	if len(s.Communities()) != 2 {
		t.Errorf("after Remember and ingest: %d communities, want 2", len(s.Communities()))
	}
	checkClean(t, s)
}

// TestForgetFinishedAfterACrash: a forget stopped after it unlisted the
// community (the daemon killed) is finished by the next Open.
func TestForgetFinishedAfterACrash(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	gone, kept := forgetWorlds(t, s, "crash-0000-SECRET")
	// Forget's first transaction, then the crash.
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(key(tForgetting, gone.id[:]), nil); err != nil {
			return err
		}
		if err := txn.Set([]byte{tScrubDue}, nil); err != nil {
			return err
		}
		return txn.Delete(key(tCommunity, gone.id[:]))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Communities(); len(got) != 1 || got[0] != kept.id {
		t.Fatalf("communities after the restart: %v, want only %s", got, kept.id)
	}
	if n := keysOf(t, s, gone.id, gone.all); n != 0 {
		t.Errorf("%d keys of the forgotten community remain after the restart", n)
	}
	// The scrub the marker made due runs in the background.
	deadline := time.Now().Add(10 * time.Second)
	for files := filesContaining(t, dir, "crash-0000-SECRET"); len(files) > 0; files = filesContaining(t, dir, "crash-0000-SECRET") {
		if time.Now().After(deadline) {
			t.Fatalf("the forgotten community's text is still on disk in %v after 10s", files)
		}
		time.Sleep(50 * time.Millisecond)
	}
	err = s.db.View(func(txn *badger.Txn) error {
		ok, err := has(txn, key(tForgetting, gone.id[:]))
		if ok {
			t.Error("the forgetting marker remains")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, s)
}
