package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// lostWorld is a community where bob, a moderator, deletes carol's post
// after the founder revoked his role: the deletion does not hold, but a
// node that has not heard of the revocation yet purges the post's body.
func lostWorld(t *testing.T) (w *world, g, grant, post, revoke, tomb *protocol.Record) {
	w, g = newWorld(t, protocol.JoinOpen)
	w.join(bob)
	w.join(carol)
	grant = w.rec(founder, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(bob), Action: protocol.RoleModerator})
	post = w.post(carol, "Which lathe?", "lathes")
	revoke = w.rec(founder, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(bob), Action: protocol.RoleRevoke})
	tomb = w.rec(bob, protocol.Refs{Target: post.ID()}, &protocol.Tombstone{Reason: "off topic"})
	return
}

// lost is what Lost says once the views are refreshed (Lost does not wait
// for them).
func lost(t *testing.T, s *Store, c protocol.ID) []protocol.ID {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids, err := s.Lost(context.Background(), c, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestLostBodyComesBack: a deletion that stops holding leaves the record
// marked as lost; a copy with its body restores it (text, tag index,
// view), and a copy without changes nothing; while a deletion holds, no
// copy brings the body back.
func TestLostBodyComesBack(t *testing.T) {
	ctx := context.Background()
	w, _, _, post, revoke, tomb := lostWorld(t)
	s, _ := openTest(t)
	var before []*protocol.Record
	for _, r := range w.all {
		if r != revoke {
			before = append(before, r)
		}
	}
	ingest(t, s, before...)
	e, err := s.Get(ctx, post.ID())
	if err != nil || !e.Meta.Deleted || !e.Record.Purged() {
		t.Fatalf("the post before the revocation came: deleted %v, purged %v, %v", e.Meta.Deleted, e.Record.Purged(), err)
	}
	if ids := lost(t, s, w.id); len(ids) != 0 {
		t.Fatalf("lost while the deletion holds: %v", ids)
	}
	if out := ingest(t, s, post); out[0].Restored {
		t.Fatal("a copy restored the body of a record whose deletion holds")
	}
	checkClean(t, s)

	// The revocation comes: bob was no moderator when he deleted.
	ingest(t, s, revoke)
	if ids := lost(t, s, w.id); !slices.Equal(ids, []protocol.ID{post.ID()}) {
		t.Fatalf("lost after the revocation: %v, want the post", ids)
	}
	checkClean(t, s)
	if e, _ := s.Get(ctx, post.ID()); e.Meta.Deleted || !e.Record.Purged() {
		t.Fatalf("the post after the revocation: deleted %v, purged %v", e.Meta.Deleted, e.Record.Purged())
	}
	// A peer's copy without the body changes nothing.
	if out := ingest(t, s, post.Without()); out[0].Restored || out[0].Added {
		t.Fatalf("a bodiless copy: %+v", out[0])
	}
	// One with it brings it back.
	if out := ingest(t, s, post); !out[0].Restored || out[0].Added {
		t.Fatalf("the full copy: %+v", out[0])
	}
	checkClean(t, s)
	if ids := lost(t, s, w.id); len(ids) != 0 {
		t.Errorf("lost after the restore: %v", ids)
	}
	e, err = s.Get(ctx, post.ID())
	if err != nil || e.Record.Purged() || e.Meta.Deleted || !e.Meta.Live() {
		t.Fatalf("the restored post: purged %v, deleted %v, %v", e.Record.Purged(), e.Meta.Deleted, err)
	}
	if p, ok := e.Record.Content().(*protocol.Post); !ok || p.Text != "body of Which lathe?" {
		t.Errorf("the restored text: %+v", e.Record.Content())
	}
	if page, _ := s.ByTag(ctx, w.id, "lathes", "", 10); len(page.Items) != 1 {
		t.Errorf("the restored post by its tag: %d", len(page.Items))
	}
	d, err := s.Thread(ctx, w.id, post.ID(), "", 10)
	if err != nil || d.View.Title != "Which lathe?" {
		t.Errorf("the restored thread: %+v %v", d.View, err)
	}
	if out := ingest(t, s, post); out[0].Restored {
		t.Error("restored twice")
	}

	// A node that gets the post from a peer that purged it, with the
	// deletion: lost once the revocation comes, too.
	s2, _ := openTest(t)
	var headers []*protocol.Record
	for _, r := range w.all {
		if r == post {
			r = r.Without()
		}
		headers = append(headers, r)
	}
	ingest(t, s2, headers...)
	if ids := lost(t, s2, w.id); !slices.Equal(ids, []protocol.ID{post.ID()}) {
		t.Fatalf("a post that came purged, its deletion not holding: lost %v", ids)
	}
	checkClean(t, s2)
	// ... and not lost while its deletion holds.
	s3, _ := openTest(t)
	ingest(t, s3, headers[:len(headers)-2]...) // without the revocation and the tombstone
	if ids := lost(t, s3, w.id); len(ids) != 1 {
		t.Fatalf("a post that came purged before its deletion: lost %v", ids)
	}
	ingest(t, s3, tomb)
	checkClean(t, s3)
	if ids := lost(t, s3, w.id); len(ids) != 0 {
		t.Fatalf("a purged post whose deletion came: lost %v", ids)
	}
}

// TestMigrateFormat2: a store of format 2 holding a record that lost its
// body to a deletion no longer holding gets its mark on Open.
func TestMigrateFormat2(t *testing.T) {
	w, _, _, post, revoke, _ := lostWorld(t)
	s, dir := openTest(t)
	for _, r := range w.all {
		if r != revoke {
			ingest(t, s, r)
		}
	}
	checkClean(t, s) // the deletion takes effect: the body is purged
	ingest(t, s, revoke)
	if ids := lost(t, s, w.id); len(ids) != 1 {
		t.Fatalf("lost before the migration: %v", ids)
	}
	// As format 2 left it: no mark.
	s = reopenAsFormat(t, s, dir, 2, func(txn *badger.Txn) error {
		return scanKeys(txn, []byte{tLost}, func(k []byte) error { return txn.Delete(k) })
	})
	if ids := lost(t, s, w.id); !slices.Equal(ids, []protocol.ID{post.ID()}) {
		t.Errorf("lost after the migration: %v", ids)
	}
	checkClean(t, s)
	if v, _, err := s.readFormat(); err != nil || v != FormatVersion || FormatVersion != 4 {
		t.Errorf("format after the migration: %d %v", v, err)
	}
}

// TestMigrateFormat2Hides: a hide its demoted author deleted was undone by
// the rules before format 3 and is not since: a store of format 2 that
// judged it so shows the record hidden once opened.
func TestMigrateFormat2Hides(t *testing.T) {
	ctx := context.Background()
	w, _ := newWorld(t, protocol.JoinOpen)
	w.join(bob)
	w.join(carol)
	w.rec(founder, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(bob), Action: protocol.RoleModerator})
	post := w.post(carol, "Spam?")
	hide := w.rec(bob, protocol.Refs{Target: post.ID()}, &protocol.Hide{Reason: "spam"})
	w.rec(founder, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(bob), Action: protocol.RoleRevoke})
	w.rec(bob, protocol.Refs{Target: hide.ID()}, &protocol.Tombstone{})
	s, dir := openTest(t)
	ingest(t, s, w.all...)
	checkClean(t, s)
	if e, _ := s.Get(ctx, post.ID()); !e.Meta.Hidden {
		t.Fatal("the post is shown: the demoted moderator's deletion undid the hide")
	}
	// As format 2 judged it: the hide deleted, the post shown.
	s = reopenAsFormat(t, s, dir, 2, func(txn *badger.Txn) error {
		for id, change := range map[protocol.ID]func(*Meta){post.ID(): func(m *Meta) { m.Hidden = false }, hide.ID(): func(m *Meta) { m.Deleted = true }} {
			e, err := getStored(txn, id)
			if err != nil {
				return err
			}
			change(&e.Meta)
			if err := txn.Set(homeKey(e.Record, e.Meta), encodeHome(e.Meta, e.Record)); err != nil {
				return err
			}
		}
		return nil
	})
	checkClean(t, s)
	if e, err := s.Get(ctx, post.ID()); err != nil || !e.Meta.Hidden {
		t.Errorf("after the migration the post is shown: hidden %v, %v", e.Meta.Hidden, err)
	}
}

// TestLostStartsAnywhere: Lost gives every marked record in turn, from a
// random place, so that the first ones by id cannot take every session;
// asked for more than there are, it gives them all once.
func TestLostStartsAnywhere(t *testing.T) {
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	w.join(carol)
	var bodiless []*protocol.Record
	for i := range 10 {
		bodiless = append(bodiless, w.post(carol, fmt.Sprintf("never had a body %d", i)).Without())
	}
	s, _ := openTest(t)
	ingest(t, s, append([]*protocol.Record{g, w.all[1]}, bodiless...)...)
	if all := lost(t, s, w.id); len(all) != 10 {
		t.Fatalf("lost: %d, want 10", len(all))
	}
	seen := make(map[protocol.ID]bool)
	for range 60 {
		ids, err := s.Lost(ctx, w.id, 3)
		if err != nil || len(ids) != 3 {
			t.Fatalf("Lost(3): %v %v", ids, err)
		}
		for _, id := range ids {
			seen[id] = true
		}
	}
	if len(seen) != 10 {
		t.Errorf("60 sessions of 3 asked for %d of the 10", len(seen))
	}
	ids, err := s.Lost(ctx, w.id, 100)
	slices.SortFunc(ids, protocol.ID.Compare)
	if err != nil || len(slices.Compact(ids)) != 10 {
		t.Errorf("Lost(100): %d ids, %v", len(ids), err)
	}
}
