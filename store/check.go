package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Report is the result of Check.
type Report struct {
	Records  int      // records walked
	Entries  int      // index and view entries walked
	Dirty    int      // views waiting for a refresh (not a problem)
	Problems []string // each inconsistency found, in words
}

// maxProblems bounds a report: past it, the store is broken either way.
const maxProblems = 100

// Check walks the whole store and reports every index entry without its
// record and every record without its index entries. It reads a snapshot
// and changes nothing.
func (s *Store) Check(ctx context.Context) (Report, error) {
	s.removing.RLock()
	defer s.removing.RUnlock()
	var rep Report
	problem := func(format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	err := s.db.View(func(txn *badger.Txn) error {
		// Pointers: each leads to a home holding that record, with all
		// the record's index entries.
		err := scan(txn, []byte{tRecord}, func(k, home []byte) error {
			rep.Records++
			if rep.Records%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			id := lastID(k)
			e, err := getStored(txn, id)
			if err != nil {
				problem("record %s: %v", id, err)
				return nil
			}
			if e.Record.ID() != id {
				problem("record %s: its home holds record %s", id, e.Record.ID())
			}
			if !e.Record.Purged() && e.Record.Content() == nil {
				problem("record %s: body does not decode", id)
			}
			if !bytes.Equal(homeKey(e.Record, e.Meta), home) {
				problem("record %s: its meta does not match its home %x", id, home)
			}
			checkIndexes(txn, e, problem)
			return nil
		})
		if err != nil {
			return err
		}
		// Homes and index entries: each belongs to a record that exists.
		for _, t := range []byte{tObject, tWaiting, tOrder, tAuthor, tKind, tTag, tFile, tLost, tReacts} {
			err := scanKeys(txn, []byte{t}, func(k []byte) error {
				rep.Entries++
				id := lastID(k)
				home, err := getValue(txn, key(tRecord, id[:]))
				switch {
				case err != nil:
					problem("%q entry %x names a missing record", t, k)
				case (t == tObject || t == tWaiting) && !bytes.Equal(home, k):
					problem("%q entry %x is not the home of record %s", t, k, id)
				case t == tLost:
					if e, err := getStored(txn, id); err == nil && (!e.Record.Purged() || e.Meta.Deleted) {
						problem("record %s is marked as having lost its body, but it is deleted or has its body", id)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Lists: each entry has its view.
		for t, typ := range map[byte]protocol.ObjectType{tThreads: protocol.ObjectThread, tActive: protocol.ObjectThread,
			tNotes: protocol.ObjectNote, tEvents: protocol.ObjectEvent, tPromoted: protocol.ObjectNote} {
			err := scanKeys(txn, []byte{t}, func(k []byte) error {
				rep.Entries++
				c := protocol.ID(k[1 : 1+idLen])
				if ok, err := has(txn, objectKey(tView, c, protocol.Object{Type: typ, ID: lastID(k)})); err != nil || !ok {
					problem("%q list entry %x has no view", t, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return scanKeys(txn, []byte{tDirty}, func([]byte) error { rep.Dirty++; return nil })
	})
	return rep, err
}

// checkIndexes reports the index entries a record lacks.
func checkIndexes(txn *badger.Txn, e Entry, problem func(string, ...any)) {
	r, id, c := e.Record, e.Record.ID(), e.Record.Community()
	want := append(recordKeys(r), key(tCommunity, c[:]))
	if r.Purged() && !e.Meta.Deleted {
		want = append(want, lostKey(r))
	}
	for _, k := range want {
		if ok, err := has(txn, k); err != nil || !ok {
			problem("%s record %s lacks its %q index entry", r.Header.Kind, id, k[0])
		}
	}
	if v, err := getValue(txn, want[0]); err == nil && (len(v) != 1 || protocol.Status(v[0]) != e.Meta.Status) {
		problem("record %s: order index says status %v, meta says %s", id, v, e.Meta.Status)
	}
	if e.Meta.Object.Type == protocol.ObjectNone {
		if ok, _ := has(txn, key(tRecord, e.Meta.Object.ID[:])); ok {
			problem("record %s waits for %s, which is stored", id, e.Meta.Object.ID)
		}
	}
}
