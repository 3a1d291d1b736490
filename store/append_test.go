package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/fxamacker/cbor/v2"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestReplyAppliedToItsView: a new reply to a thread whose view is current
// updates the view at once, without a refresh; one that records of the
// thread already name (an accept or edit that came first), one that a
// record waits for (its deletion came first), and one to a thread not yet
// refreshed take the refresh. Each time the view is what the rules make
// of every record held.
func TestReplyAppliedToItsView(t *testing.T) {
	s, err := Open(t.TempDir(), Options{FlushDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	q := w.post(alice, "How do we rotate keys?")
	var held []*protocol.Record
	// step ingests recs in one batch, checks whether the thread was left
	// for a refresh, then refreshes and compares the view with the rules.
	step := func(name string, refreshed bool, recs ...*protocol.Record) {
		t.Helper()
		held = append(held, recs...)
		ingest(t, s, recs...)
		s.mu.Lock()
		_, dirty := s.dirty[dirtyObject{w.id, protocol.Object{Type: protocol.ObjectThread, ID: q.ID()}}]
		s.mu.Unlock()
		if dirty != refreshed {
			t.Fatalf("%s: thread left for a refresh: %v, want %v", name, dirty, refreshed)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.Threads(ctx, w.id, Newest, ThreadFilter{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := protocol.Evaluate(w.id, held)
		byID := make(map[protocol.ID]*protocol.Record)
		for _, r := range held {
			byID[r.ID()] = r
		}
		built, _ := buildView(w.id, protocol.Object{Type: protocol.ObjectThread, ID: q.ID()}, want, byID)
		if len(got.Items) != 1 {
			t.Fatalf("%s: %d threads listed", name, len(got.Items))
		}
		// Which records are unresolved depends on the thread's records
		// alone, not on records waiting elsewhere: left out.
		v, wv := got.Items[0], *built.(*ThreadView)
		v.Unresolved, wv.Unresolved = nil, nil
		if !reflect.DeepEqual(v, wv) {
			t.Fatalf("%s:\nstore %+v\nrules %+v", name, v, wv)
		}
		checkClean(t, s)
	}
	step("the question", true, g, w.join(alice), w.join(bob), w.join(carol), q)

	step("a reply", false, w.rec(bob, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "with a role record"}))
	step("two replies in one batch", false,
		w.rec(carol, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "or a new device"}),
		w.rec(bob, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "both work"}))

	step("a reply by the founder", false, w.rec(founder, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "see the guide"}))
	dave := prototest.Key("dave")
	step("a reply by a stranger, set aside", false, w.rec(dave, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "buy my product"}))

	answer := w.rec(carol, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "the answer"})
	step("its accept first", true, w.rec(alice, protocol.Refs{Root: q.ID(), Target: answer.ID()}, &protocol.Accept{}))
	step("the accepted reply", true, answer)

	edited := w.rec(bob, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "frist"})
	step("its edit first", true, w.rec(bob, protocol.Refs{Root: q.ID(), Target: edited.ID()}, &protocol.Reply{Text: "first"}))
	step("the edited reply", true, edited)

	deleted := w.rec(carol, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "oops"})
	step("its deletion first", false, w.rec(carol, protocol.Refs{Target: deleted.ID()}, &protocol.Tombstone{}))
	step("the deleted reply", true, deleted)

	// A view stored before views tracked what their records name.
	err = s.db.Update(func(txn *badger.Txn) error {
		k := objectKey(tView, w.id, protocol.Object{Type: protocol.ObjectThread, ID: q.ID()})
		data, err := getValue(txn, k)
		if err != nil {
			return err
		}
		var v ThreadView
		if err := decodeView(data, &v); err != nil {
			return err
		}
		v.Tracked, v.Unresolved = false, nil
		data, err = cbor.Marshal(&v)
		if err != nil {
			return err
		}
		return txn.Set(k, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	step("a reply to a view of an older store", true, w.rec(bob, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "after an upgrade"}))
	step("and the next", false, w.rec(carol, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "and after its refresh"}))

	late := w.rec(alice, protocol.Refs{Root: q.ID()}, &protocol.Reply{Text: "thanks all"})
	edit := w.rec(alice, protocol.Refs{Target: q.ID()}, &protocol.Post{Type: protocol.PostQuestion, Title: "How do we rotate keys? (solved)"})
	step("a reply after an edit of the post in one batch", true, edit, late)
}
