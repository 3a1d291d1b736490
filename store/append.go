package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/fxamacker/cbor/v2"

	"github.com/kith-network/kith/protocol"
)

// A reply is most of what a community writes, and re-evaluating its
// thread to count it costs a read of every record of the thread: a reply
// to a thread of 10,000 replies took 80 ms, most of it that refresh. So a
// new reply whose effect on its thread's view is known without the other
// records is applied to the stored view at once, in the same transaction
// as the reply, and its thread is not marked for a refresh.
//
// Under the rules (protocol.Evaluate), a new reply r (a reply that edits
// nothing) in a thread whose view is current changes only the view's reply
// count and last activity, when:
//   - r is accepted: otherwise it is not live and changes nothing;
//   - no record waits for r (a tombstone, hide or reaction of it, which
//     would change its standing or the counts): such records are homed
//     apart until their target comes;
//   - no record of the thread names r (an edit or accept of it that came
//     first): those are the view's Unresolved.
//
// Everything else (a thread that is dirty, a view stored before it tracked
// Unresolved, any other kind of record) takes the refresh. The store's
// random test checks the two paths agree with protocol.Evaluate.

// appendReply applies r, a new record of the object d whose standing is
// st, to d's stored view if it is a reply of the kind above. It reports
// whether it did so (with the entries that update the view, possibly
// none); when it did not, d must be refreshed. views holds the views this
// batch already changed, which txn does not see yet.
func appendReply(txn *badger.Txn, d dirtyObject, r *protocol.Record, st protocol.Status, views map[dirtyObject]*ThreadView) ([]entry, bool, error) {
	if d.object.Type != protocol.ObjectThread || r.Header.Kind != protocol.KindReply || !r.Header.Target.IsZero() {
		return nil, false, nil
	}
	if st != protocol.StatusAccepted {
		return nil, true, nil
	}
	old := views[d]
	if old == nil {
		data, err := getValue(txn, objectKey(tView, d.community, d.object))
		if errors.Is(err, ErrNotFound) {
			// No live thread (its post is absent, deleted, hidden or set
			// aside): a reply counts nowhere.
			return nil, true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read thread view: %w", err)
		}
		old = new(ThreadView)
		if err := decodeView(data, old); err != nil {
			return nil, false, err
		}
	}
	if !old.Tracked {
		return nil, false, nil
	}
	if _, named := slices.BinarySearchFunc(old.Unresolved, r.ID(), protocol.ID.Compare); named {
		return nil, false, nil
	}
	v := *old
	v.Replies++
	v.LastActivity = max(v.LastActivity, r.Header.Created)
	data, err := cbor.Marshal(&v)
	if err != nil {
		return nil, false, fmt.Errorf("encode thread view: %w", err)
	}
	views[d] = &v
	var entries []entry
	newKeys := threadKeys(d.community, &v)
	for _, k := range threadKeys(d.community, old) {
		if !slices.ContainsFunc(newKeys, func(n []byte) bool { return bytes.Equal(n, k) }) {
			entries = append(entries, entry{key: k, delete: true})
		}
	}
	entries = append(entries, entry{key: objectKey(tView, d.community, d.object), value: data})
	summary := threadSummary(&v)
	for _, k := range newKeys {
		entries = append(entries, entry{key: k, value: summary})
	}
	return entries, true, nil
}
