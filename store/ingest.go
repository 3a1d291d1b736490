package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Outcome says what the store did with one record.
type Outcome struct {
	ID protocol.ID
	// Added is false when the store already held the record: a duplicate
	// changes nothing.
	Added bool
	// Status is the record's standing when it was stored: accepted, or
	// pending until the record admitting its author arrives.
	Status protocol.Status
}

// Put stores one record the user created and returns only once it is
// durable on disk, with the views it touches up to date, so that what the
// user was told was saved survives a crash and shows at once.
func (s *Store) Put(ctx context.Context, r *protocol.Record) (Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.ingest(ctx, []*protocol.Record{r})
	if err != nil {
		return Outcome{}, err
	}
	if err := s.db.Sync(); err != nil {
		return Outcome{}, fmt.Errorf("put record %s: sync: %w", r.ID(), err)
	}
	if err := s.flushLocked(ctx); err != nil {
		return Outcome{}, err
	}
	return out[0], nil
}

// Ingest stores records received from peers or read from a file, many at
// a time. It does not wait for the disk (a record lost to a power cut is
// fetched again by the next sync) nor for the views, which refresh shortly
// after in the background and before any query. Outcomes are in the order
// of records. On error, the records already written stay written.
func (s *Store) Ingest(ctx context.Context, records []*protocol.Record) ([]Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.ingest(ctx, records)
	if len(s.dirty) > 0 {
		s.poke()
	}
	return out, err
}

// ingest writes new records with all their index entries; s.mu is held.
func (s *Store) ingest(ctx context.Context, records []*protocol.Record) ([]Outcome, error) {
	w := newWriter(s.db)
	defer w.discard()
	out := make([]Outcome, len(records))
	batch := make(map[protocol.ID]*protocol.Record, len(records))
	var fresh []*protocol.Record
	for i, r := range records {
		out[i].ID = r.ID()
		if batch[r.ID()] != nil {
			continue
		}
		found, err := has(w.txn, key(tRecord, out[i].ID[:]))
		if err != nil {
			return out, fmt.Errorf("ingest: look up %s: %w", r.ID(), err)
		}
		if found {
			continue
		}
		batch[r.ID()] = r
		fresh = append(fresh, r)
	}
	// Control records first: the membership they make decides the status
	// of every other record in the batch.
	newDirty := make(map[dirtyObject]struct{})
	controlEntries, err := s.admitControls(w.txn, fresh, newDirty)
	if err != nil {
		return out, fmt.Errorf("ingest: %w", err)
	}
	if err := w.group(controlEntries); err != nil {
		return out, fmt.Errorf("ingest: %w", err)
	}
	lookup := func(id protocol.ID) *protocol.Record {
		if r := batch[id]; r != nil {
			return r
		}
		r, err := getRecord(w.txn, id)
		if err != nil {
			return nil
		}
		return r
	}
	status := make(map[protocol.ID]protocol.Status, len(fresh))
	for i, r := range fresh {
		if i%256 == 0 && ctx.Err() != nil {
			break
		}
		entries, st, err := s.recordEntries(w.txn, r, lookup, newDirty)
		if err != nil {
			return out, fmt.Errorf("ingest %s: %w", r.ID(), err)
		}
		if err := w.group(entries); err != nil {
			return out, fmt.Errorf("ingest %s: %w", r.ID(), err)
		}
		status[r.ID()] = st
	}
	if err := w.commit(); err != nil {
		return out, fmt.Errorf("ingest: %w", err)
	}
	for d := range newDirty {
		s.dirty[d] = struct{}{}
	}
	for _, r := range fresh {
		st, ok := status[r.ID()]
		if !ok {
			continue
		}
		if st == protocol.StatusAccepted {
			s.communities[r.Community()].items.Insert(protocol.PositionOf(r))
		}
	}
	for i := range out {
		if st, ok := status[out[i].ID]; ok && batch[out[i].ID] != nil {
			out[i].Added, out[i].Status = true, st
			delete(batch, out[i].ID) // a repeat later in the slice is a duplicate
		}
	}
	return out, ctx.Err()
}

// admitControls adds the batch's control records to their communities'
// membership and returns the dirty markers for every object whose records
// may change status or effect as a result. They are written before the
// records, so a crash cannot leave a membership change without them.
func (s *Store) admitControls(txn *badger.Txn, fresh []*protocol.Record, dirty map[dirtyObject]struct{}) ([]entry, error) {
	changed := make(map[protocol.ID]bool)
	for _, r := range fresh {
		c := s.community(r.Community())
		if r.Header.Kind.Control() {
			c.controls = append(c.controls, r)
			changed[c.id] = true
		}
	}
	var entries []entry
	for id := range changed {
		c := s.communities[id]
		old := c.members
		c.members = protocol.ResolveMembership(id, c.controls)
		all, authors := c.members.ChangedFrom(old)
		prefixes := [][]byte{key(tOrder, id[:])}
		if !all {
			prefixes = prefixes[:0]
			for _, a := range authors {
				prefixes = append(prefixes, key(tAuthor, id[:], a[:]))
			}
		}
		for _, p := range prefixes {
			err := scanKeys(txn, p, func(k []byte) error {
				rid := decodePos(k).ID
				m, err := getMeta(txn, rid)
				if err != nil {
					return err
				}
				d := dirtyObject{id, m.Object}
				if m.Object.Type == protocol.ObjectNone {
					d.object.ID = rid // a waiting record: refresh its status alone
				}
				if _, ok := dirty[d]; !ok {
					dirty[d] = struct{}{}
					entries = append(entries, entry{key: objectKey(tDirty, id, d.object)})
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("find records affected by a membership change: %w", err)
			}
		}
	}
	return entries, nil
}

// community returns the in-memory state of a community, creating it for
// the first record of a community the store has not seen.
func (s *Store) community(id protocol.ID) *community {
	c := s.communities[id]
	if c == nil {
		c = &community{id: id, items: NewItemSet()}
		c.members = protocol.ResolveMembership(id, nil)
		s.communities[id] = c
	}
	return c
}

// recordEntries returns every entry about a new record: its bytes, meta,
// indexes, its object (or the target it waits for), the dirty marker of
// that object, and the re-homing of records that were waiting for it.
func (s *Store) recordEntries(txn *badger.Txn, r *protocol.Record, lookup func(protocol.ID) *protocol.Record,
	dirty map[dirtyObject]struct{}) ([]entry, protocol.Status, error) {
	c := s.communities[r.Community()]
	id := r.ID()
	st := c.members.Status(r)
	obj, waiting := protocol.ObjectOf(r, lookup)
	entries := []entry{
		{key: key(tCommunity, c.id[:])},
		{key: key(tRecord, id[:]), value: r.Encode()},
		{key: key(tMeta, id[:]), value: Meta{Status: st, Object: obj}.encode()},
	}
	for i, k := range recordKeys(r) {
		e := entry{key: k}
		if i == 0 { // the community order index carries the status
			e.value = []byte{byte(st)}
		}
		entries = append(entries, e)
	}
	pos := encodePos(protocol.PositionOf(r))
	if obj.Type == protocol.ObjectNone {
		entries = append(entries, entry{key: key(tWaiting, c.id[:], waiting[:], id[:])})
	} else {
		entries = append(entries, entry{key: append(objectKey(tObject, c.id, obj), pos...)})
		entries = s.markDirty(entries, dirty, dirtyObject{c.id, obj})
	}
	// Records that waited for this one may now know their object.
	err := scanKeys(txn, key(tWaiting, c.id[:], id[:]), func(k []byte) error {
		wid := lastID(k)
		w := lookup(wid)
		if w == nil {
			return fmt.Errorf("waiting record %s is missing", wid)
		}
		m, err := getMeta(txn, wid)
		if err != nil {
			return err
		}
		entries = append(entries, entry{key: k, delete: true})
		wobj, still := protocol.ObjectOf(w, lookup)
		m.Object = wobj
		entries = append(entries, entry{key: key(tMeta, wid[:]), value: m.encode()})
		if wobj.Type == protocol.ObjectNone {
			entries = append(entries, entry{key: key(tWaiting, c.id[:], still[:], wid[:])})
			return nil
		}
		entries = append(entries, entry{key: append(objectKey(tObject, c.id, wobj), encodePos(protocol.PositionOf(w))...)})
		entries = s.markDirty(entries, dirty, dirtyObject{c.id, wobj})
		return nil
	})
	return entries, st, err
}

func (s *Store) markDirty(entries []entry, dirty map[dirtyObject]struct{}, d dirtyObject) []entry {
	if _, ok := dirty[d]; ok {
		return entries
	}
	dirty[d] = struct{}{}
	return append(entries, entry{key: objectKey(tDirty, d.community, d.object)})
}
