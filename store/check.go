package store

import (
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
	var rep Report
	problem := func(format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	err := s.db.View(func(txn *badger.Txn) error {
		lookup := func(id protocol.ID) *protocol.Record {
			r, _ := getRecord(txn, id)
			return r
		}
		// Records: each has its meta and index entries.
		err := scan(txn, []byte{tRecord}, func(k, v []byte) error {
			rep.Records++
			if rep.Records%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			id := lastID(k)
			r, err := protocol.Decode(v)
			if err != nil {
				problem("record %s does not decode: %v", id, err)
				return nil
			}
			if r.ID() != id {
				problem("record stored under %s has id %s", id, r.ID())
			}
			checkRecord(txn, r, lookup, problem)
			return nil
		})
		if err != nil {
			return err
		}
		// Index entries: each names a record that exists.
		for _, t := range []byte{tMeta, tOrder, tObject, tWaiting, tAuthor, tKind, tTag} {
			err := scanKeys(txn, []byte{t}, func(k []byte) error {
				rep.Entries++
				rid := lastID(k)
				if ok, err := has(txn, key(tRecord, rid[:])); err != nil || !ok {
					problem("%q index entry %x names a missing record", t, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// Views and lists: each list entry has its view.
		for _, t := range []byte{tThreads, tActive, tNotes, tEvents} {
			typ := map[byte]protocol.ObjectType{tThreads: protocol.ObjectThread, tActive: protocol.ObjectThread,
				tNotes: protocol.ObjectNote, tEvents: protocol.ObjectEvent}[t]
			err := scanKeys(txn, []byte{t}, func(k []byte) error {
				rep.Entries++
				var c protocol.ID
				copy(c[:], k[1:])
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

// checkRecord reports the index entries a record lacks.
func checkRecord(txn *badger.Txn, r *protocol.Record, lookup func(protocol.ID) *protocol.Record, problem func(string, ...any)) {
	id, c := r.ID(), r.Community()
	m, err := getMeta(txn, id)
	if err != nil {
		problem("record %s has no meta: %v", id, err)
		return
	}
	want := recordKeys(r)
	if m.Object.Type == protocol.ObjectNone {
		_, waiting := protocol.ObjectOf(r, lookup)
		want = append(want, key(tWaiting, c[:], waiting[:], id[:]))
	} else {
		want = append(want, append(objectKey(tObject, c, m.Object), encodePos(protocol.PositionOf(r))...))
	}
	want = append(want, key(tCommunity, c[:]))
	for _, k := range want {
		if ok, err := has(txn, k); err != nil || !ok {
			problem("%s record %s lacks its %q index entry", r.Header.Kind, id, k[0])
		}
	}
	if v, err := getValue(txn, want[0]); err == nil && (len(v) != 1 || protocol.Status(v[0]) != m.Status) {
		problem("record %s: order index says status %v, meta says %s", id, v, m.Status)
	}
}
