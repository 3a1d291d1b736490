package store

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// TestMigrateFormat1: a store written in format 1 (no list of notes by
// the thread they were promoted from) is migrated on Open: the list is
// built, the check is clean, and the format is stamped (through 2 and 3) 4.
func TestMigrateFormat1(t *testing.T) {
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	thread := w.post(founder, "How do we rotate keys?")
	other := w.post(founder, "Unrelated")
	note := w.rec(founder, protocol.Refs{Target: thread.ID()}, &protocol.Note{Title: "Rotating keys", Text: "Monthly."})
	s, dir := openTest(t)
	ingest(t, s, g, thread, other, note)
	checkClean(t, s)
	if got, err := s.PromotedNote(ctx, w.id, thread.ID()); err != nil || got != note.ID() {
		t.Fatalf("promoted note of the thread: %v %v", got, err)
	}
	if _, err := s.PromotedNote(ctx, w.id, other.ID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("promoted note of a thread never promoted: %v", err)
	}

	// Back to format 1: the list did not exist.
	s = reopenAsFormat(t, s, dir, 1, func(txn *badger.Txn) error {
		return scanKeys(txn, []byte{tPromoted}, func(k []byte) error { return txn.Delete(k) })
	})
	if got, err := s.PromotedNote(ctx, w.id, thread.ID()); err != nil || got != note.ID() {
		t.Errorf("after the migration, the promoted note of the thread: %v %v", got, err)
	}
	checkClean(t, s)
	if v, _, err := s.readFormat(); err != nil || v != FormatVersion || FormatVersion != 4 {
		t.Errorf("format after the migration: %d %v", v, err)
	}
}

// reopenAsFormat makes the store in dir look as format v left it (undo,
// in one transaction), stamps it v, closes it and opens it again, which
// migrates it; the store returned is closed when the test ends.
func reopenAsFormat(t *testing.T, s *Store, dir string, v uint32, undo func(*badger.Txn) error) *Store {
	t.Helper()
	if err := s.db.Update(undo); err != nil {
		t.Fatal(err)
	}
	if err := s.writeFormat(v); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateFormat3: a store written in format 3 (no index of reactions
// by author and target) is migrated on Open: the member's reactions are
// found again and the check is clean.
func TestMigrateFormat3(t *testing.T) {
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	ja := w.join(alice)
	p := w.post(founder, "React to me")
	helpful := w.rec(alice, protocol.Refs{Target: p.ID()}, &protocol.React{Reaction: protocol.ReactHelpful})
	s, dir := openTest(t)
	ingest(t, s, g, ja, p, helpful)
	want := map[protocol.ID]map[protocol.Reaction]protocol.ID{p.ID(): {protocol.ReactHelpful: helpful.ID()}}
	if got, err := s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(alice), []protocol.ID{p.ID()}); err != nil || !maps.EqualFunc(got, want, maps.Equal) {
		t.Fatalf("alice's reactions: %v %v", got, err)
	}

	// Back to format 3: the index did not exist.
	s = reopenAsFormat(t, s, dir, 3, func(txn *badger.Txn) error {
		return scanKeys(txn, []byte{tReacts}, func(k []byte) error { return txn.Delete(k) })
	})
	if got, err := s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(alice), []protocol.ID{p.ID()}); err != nil || !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("after the migration, alice's reactions: %v %v, want %v", got, err, want)
	}
	checkClean(t, s)
	if v, _, err := s.readFormat(); err != nil || v != FormatVersion {
		t.Errorf("format after the migration: %d %v", v, err)
	}
}
