package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Versions returns a post, reply or event and its author's later versions
// (edits), oldest first, as the community rules count them: the page that
// shows one says "edited", and this is what it was before. It reads the
// record's whole object (a thread, an event), evaluated with the
// community's membership. ErrNotFound if the store does not hold id.
func (s *Store) Versions(ctx context.Context, id protocol.ID) ([]Entry, error) {
	var out []Entry
	err := s.read(ctx, func(txn *badger.Txn) error {
		e, err := getStored(txn, id)
		if err != nil {
			return err
		}
		c := e.Record.Community()
		m := s.Membership(c)
		if m == nil || e.Meta.Object.Type == protocol.ObjectNone {
			return fmt.Errorf("versions of %s: %w", id, ErrNotFound)
		}
		var stored []Entry
		err = scan(txn, objectKey(tObject, c, e.Meta.Object), func(_, v []byte) error {
			o, err := decodeHome(v)
			if err == nil {
				stored = append(stored, o)
			}
			return err
		})
		if err != nil {
			return err
		}
		recs := make([]*protocol.Record, len(stored))
		byID := make(map[protocol.ID]Entry, len(stored))
		for i, o := range stored {
			recs[i] = o.Record
			byID[o.Record.ID()] = o
		}
		st := protocol.EvaluateWith(m, recs)
		out = append(out, e)
		for _, v := range st.Edits[id] {
			out = append(out, byID[v])
		}
		return nil
	})
	return out, err
}
