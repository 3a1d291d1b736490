package store

import (
	"context"
	"crypto/rand"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Bodies lost to a deletion that no longer holds.
//
// A tombstone purges its target's body as soon as the node evaluates it
// as effective. A moderator's deletion can stop holding later: a role
// record revoking the moderator, written before the deletion on a node
// that had not heard of the deletion yet, reaches this node after it. The
// record is then live again here, without its text, while nodes that
// never took the deletion hold the text still. Such records are marked
// ('l' keys, written by ingest and refresh with their meta), sync asks
// peers for them again, and Ingest takes the body back from a copy that
// has it (Outcome.Restored): the body hash is in the signed header, so
// no peer can put other text in.

// Lost returns up to limit records of community held without their body
// although no deletion holds: records to ask peers for again. It reads
// what is committed, without waiting for views to refresh. It starts at
// a random place among them: a member who published records without
// bodies (they validate, as purged records do) cannot keep the same
// first ones asked for in every session, ahead of records really lost.
func (s *Store) Lost(ctx context.Context, community protocol.ID, limit int) ([]protocol.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var start protocol.ID
	rand.Read(start[:])
	prefix := key(tLost, community[:])
	var ids []protocol.ID
	// Not s.read: that would refresh the views waiting, in the middle of
	// a sync. A mark a refresh writes later is asked for next session.
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		// From start to the end, then from the first up to start.
		for it.Seek(append(prefix, start[:]...)); it.ValidForPrefix(prefix) && len(ids) < limit; it.Next() {
			ids = append(ids, lastID(it.Item().Key()))
		}
		for it.Seek(prefix); it.ValidForPrefix(prefix) && len(ids) < limit; it.Next() {
			id := lastID(it.Item().Key())
			if id.Compare(start) >= 0 {
				break
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// markLost is the migration to format 3: it marks the records that lost
// their body to a deletion that no longer holds before the marks existed.
func markLost(db *badger.DB) error {
	return rewrite(db, func(txn *badger.Txn, set func([]byte) error) error {
		for _, t := range []byte{tObject, tWaiting} {
			err := scan(txn, []byte{t}, func(_, v []byte) error {
				e, err := decodeHome(v)
				if err != nil || !e.Record.Purged() || e.Meta.Deleted {
					return err
				}
				return set(lostKey(e.Record))
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
