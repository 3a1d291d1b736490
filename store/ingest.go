package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Outcome says what the store did with one record.
type Outcome struct {
	ID protocol.ID
	// Added is false when the store already held the record: a duplicate
	// changes nothing.
	Added bool
	// Status is the record's standing: when it was stored, or, for a
	// duplicate, as stored now (accepted, or pending until the record
	// admitting its author arrives, or removed).
	Status protocol.Status
	// Refused is set when the record would have been set aside (pending
	// or removed) but its community holds Options.MaxAside such records
	// already: it was not stored.
	Refused bool
	// Restored is set when the store held the record without its body,
	// purged by a deletion that no longer holds (its moderator's role was
	// revoked before it, on nodes that did not know yet), and took the
	// body back from this copy.
	Restored bool
	// Forgotten is set when the record's community was forgotten (Forget)
	// and not remembered since: it was not stored.
	Forgotten bool
}

// aside reports whether records of status st are kept aside: stored, but
// neither shown nor offered to peers.
func aside(st protocol.Status) bool {
	return st == protocol.StatusPending || st == protocol.StatusRemoved
}

// Put stores one record the user created and returns only once it is
// durable on disk, with the views it touches up to date, so that what the
// user was told was saved survives a crash and shows at once.
func (s *Store) Put(ctx context.Context, r *protocol.Record) (Outcome, error) {
	if err := checkSpace(s.dir, s.minFree); err != nil {
		return Outcome{}, fmt.Errorf("put record %s: %w", r.ID(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The member's own records are never refused: the bound on records
	// set aside is against strangers, not against the node's user.
	out, err := s.ingest(ctx, []*protocol.Record{r}, false)
	if err != nil {
		return Outcome{}, s.recover(err)
	}
	if out[0].Forgotten {
		return Outcome{}, fmt.Errorf("put record %s: %w", r.ID(), ErrForgotten)
	}
	if err := s.db.Sync(); err != nil {
		return Outcome{}, fmt.Errorf("put record %s: sync: %w", r.ID(), err)
	}
	if err := s.flushLocked(ctx); err != nil {
		return Outcome{}, err
	}
	if s.needScrub {
		// A deletion the user made: its text leaves the disk on the
		// flusher's next round, as for one that came from a peer.
		s.poke()
	}
	return out[0], nil
}

// Ingest stores records received from peers or read from a file, many at
// a time. It does not wait for the disk (a record lost to a power cut is
// fetched again by the next sync) nor for the views, which refresh shortly
// after in the background and before any query. Outcomes are in the order
// of records. On error, the records already written stay written.
func (s *Store) Ingest(ctx context.Context, records []*protocol.Record) ([]Outcome, error) {
	if err := checkSpace(s.dir, s.minFree); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	s.ingesting.Add(1)
	defer s.ingesting.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.ingest(ctx, records, true)
	if err != nil {
		err = s.recover(err)
	}
	if len(s.dirty) > 0 {
		s.poke()
	}
	return out, err
}

// recover rebuilds the in-memory state from the database after an ingest
// that stopped part way (an error, or ctx ended): ingest updates that
// state as it goes, and only the database knows what was committed.
func (s *Store) recover(cause error) error {
	s.communities = make(map[protocol.ID]*community)
	s.dirty = make(map[dirtyObject]struct{})
	if err := s.load(); err != nil {
		return fmt.Errorf("%w (and reloading the store's state failed: %v)", cause, err)
	}
	return cause
}

// ingest writes new records with all their index entries; s.mu is held.
// With bounded, records set aside past Options.MaxAside are refused.
func (s *Store) ingest(ctx context.Context, records []*protocol.Record, bounded bool) ([]Outcome, error) {
	w := newWriter(s.db)
	defer w.discard()
	// Reads see what earlier ingests committed; this batch's own records
	// are found in batch.
	read := s.db.NewTransaction(false)
	defer read.Discard()
	out := make([]Outcome, len(records))
	batch := make(map[protocol.ID]*protocol.Record, len(records))
	var fresh []*protocol.Record
	restored := make(map[dirtyObject]struct{})
	for i, r := range records {
		out[i].ID = r.ID()
		if s.forgotten[r.Community()] {
			out[i].Forgotten = true
			continue
		}
		if batch[r.ID()] != nil {
			continue
		}
		stored, err := getStored(read, out[i].ID)
		if err == nil {
			out[i].Status = stored.Meta.Status
			if restorable(stored, r) {
				if err := w.group(restoreEntries(stored, r, restored)); err != nil {
					return out, fmt.Errorf("ingest: restore the body of %s: %w", r.ID(), err)
				}
				out[i].Restored = true
			}
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			return out, fmt.Errorf("ingest: look up %s: %w", r.ID(), err)
		}
		batch[r.ID()] = r
		fresh = append(fresh, r)
	}
	// Control records first: the membership they make decides the status
	// of every other record in the batch.
	newDirty := make(map[dirtyObject]struct{})
	refused := make(map[protocol.ID]bool)
	controlEntries, err := s.admitControls(fresh, newDirty, refused, bounded)
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
		e, err := getStored(read, id)
		if err != nil {
			return nil
		}
		return e.Record
	}
	status := make(map[protocol.ID]protocol.Status, len(fresh))
	views := make(map[dirtyObject]*ThreadView)
	for i, r := range fresh {
		if i%256 == 0 && ctx.Err() != nil {
			break
		}
		c := s.communities[r.Community()]
		st := c.members.Status(r)
		// Control records were counted, or refused, by admitControls.
		control := r.Header.Kind.Control()
		if refused[r.ID()] || bounded && !control && aside(st) && c.aside >= s.maxAside {
			// Not stored, so not there for later records of the batch
			// to find either.
			status[r.ID()], refused[r.ID()] = st, true
			delete(batch, r.ID())
			continue
		}
		if !control && aside(st) {
			c.aside++ // undone by recover if the write fails
		}
		entries, err := s.recordEntries(read, r, st, lookup, newDirty, views)
		if err != nil {
			return out, fmt.Errorf("ingest %s: %w", r.ID(), err)
		}
		if err := w.group(entries); err != nil {
			return out, fmt.Errorf("ingest %s: %w", r.ID(), err)
		}
		status[r.ID()] = st
	}
	if err := w.wait(); err != nil {
		return out, fmt.Errorf("ingest: %w", err)
	}
	for d := range newDirty {
		s.dirty[d] = struct{}{}
	}
	for d := range restored {
		s.dirty[d] = struct{}{}
	}
	for i := range out {
		id := out[i].ID
		st, ok := status[id]
		if refused[id] {
			out[i].Status, out[i].Refused = st, true
			continue
		}
		if !ok || batch[id] == nil {
			continue // a duplicate, or not reached before ctx ended
		}
		out[i].Added, out[i].Status = true, st
		if st == protocol.StatusAccepted {
			s.communities[batch[id].Community()].items.Insert(protocol.PositionOf(batch[id]))
		}
		delete(batch, id) // a repeat later in the slice is a duplicate
	}
	return out, ctx.Err()
}

// admitControls adds the batch's control records to their communities'
// membership and returns the dirty markers for every object whose records
// may change status or effect as a result. They are written before the
// records, so a crash cannot leave a membership change without them.
//
// A new control record that the membership sets aside counts against
// Options.MaxAside like any other; past it, it is refused (added to
// refused) and leaves the membership again, as if it had not come.
func (s *Store) admitControls(fresh []*protocol.Record, dirty map[dirtyObject]struct{}, refused map[protocol.ID]bool, bounded bool) ([]entry, error) {
	changed := make(map[protocol.ID][]*protocol.Record)
	for _, r := range fresh {
		c := s.community(r.Community())
		if r.Header.Kind.Control() {
			c.controls = append(c.controls, r)
			changed[c.id] = append(changed[c.id], r)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	var entries []entry
	err := s.db.View(func(txn *badger.Txn) error {
		for id, added := range changed {
			c := s.communities[id]
			old := c.members
			c.members = protocol.ResolveMembership(id, c.controls)
			if s.refuseControls(c, added, refused, bounded) {
				c.members = protocol.ResolveMembership(id, c.controls)
			}
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
					e, err := getStored(txn, rid)
					if err != nil {
						return err
					}
					d := dirtyObject{id, e.Meta.Object}
					if d.object.Type == protocol.ObjectNone {
						d.object.ID = rid // a waiting record: refresh its status alone
					}
					entries = markDirty(entries, dirty, d)
					return nil
				})
				if err != nil {
					return fmt.Errorf("find records affected by a membership change: %w", err)
				}
			}
		}
		return nil
	})
	return entries, err
}

// refuseControls counts the controls just added to c that its membership
// sets aside, and (if bounded) takes those past Options.MaxAside out of
// c.controls into refused; it reports whether it took any. A control set
// aside has no effect on the membership, so the others' standing does not
// change.
func (s *Store) refuseControls(c *community, added []*protocol.Record, refused map[protocol.ID]bool, bounded bool) bool {
	var out []protocol.ID
	for _, r := range added {
		if !aside(c.members.Status(r)) {
			continue
		}
		if bounded && c.aside >= s.maxAside {
			refused[r.ID()] = true
			out = append(out, r.ID())
			continue
		}
		c.aside++ // undone by recover if the write fails
	}
	if len(out) == 0 {
		return false
	}
	c.controls = slices.DeleteFunc(c.controls, func(r *protocol.Record) bool { return slices.Contains(out, r.ID()) })
	return true
}

// community returns the in-memory state of a community, creating it for
// the first record of a community the store has not seen.
func (s *Store) community(id protocol.ID) *community {
	c := s.communities[id]
	if c == nil {
		c = newCommunity(id)
		c.isNew = true
		s.communities[id] = c
	}
	return c
}

// recordEntries returns every entry about a new record: its home (meta and
// bytes) and pointer, its indexes, the update of its object's view (a
// reply, see appendReply) or else its object's dirty marker, and the
// re-homing of records that were waiting for it.
func (s *Store) recordEntries(txn *badger.Txn, r *protocol.Record, st protocol.Status, lookup func(protocol.ID) *protocol.Record,
	dirty map[dirtyObject]struct{}, views map[dirtyObject]*ThreadView) ([]entry, error) {
	c := s.communities[r.Community()]
	id := r.ID()
	obj, waiting := protocol.ObjectOf(r, lookup)
	m := Meta{Status: st, Object: obj}
	if obj.Type == protocol.ObjectNone {
		m.Object.ID = waiting
		c.waiting[waiting] = append(c.waiting[waiting], id)
	}
	home := homeKey(r, m)
	var entries []entry
	if c.isNew {
		entries = append(entries, entry{key: key(tCommunity, c.id[:])})
		c.isNew = false
	}
	entries = append(entries,
		entry{key: home, value: encodeHome(m, r)},
		entry{key: key(tRecord, id[:]), value: home})
	for i, k := range recordKeys(r) {
		e := entry{key: k}
		if i == 0 { // the community order index carries the status
			e.value = []byte{byte(st)}
		}
		entries = append(entries, e)
	}
	if r.Purged() {
		// It came without its body (a peer that holds it deleted): the
		// refresh drops this mark if the deletion holds here too.
		entries = append(entries, entry{key: lostKey(r)})
	}
	if obj.Type != protocol.ObjectNone {
		// A thread to be refreshed anyway (dirty, or made dirty by the
		// records waiting for this one) is not worth updating first.
		d := dirtyObject{c.id, obj}
		_, marked := dirty[d]
		_, stale := s.dirty[d]
		applied := false
		if !marked && !stale && len(c.waiting[id]) == 0 {
			es, ok, err := appendReply(txn, d, r, st, views)
			if err != nil {
				return nil, err
			}
			entries, applied = append(entries, es...), ok
		}
		if !applied {
			entries = markDirty(entries, dirty, d)
		}
	}
	// Records that waited for this one may now know their object.
	waiters := c.waiting[id]
	delete(c.waiting, id)
	for _, wid := range waiters {
		oldHome := key(tWaiting, c.id[:], id[:], wid[:])
		v, err := getValue(txn, oldHome)
		if err != nil {
			return nil, fmt.Errorf("record %s waiting for %s: %w", wid, id, err)
		}
		we, err := decodeHome(v)
		if err != nil {
			return nil, fmt.Errorf("record %s waiting for %s: %w", wid, id, err)
		}
		wobj, still := protocol.ObjectOf(we.Record, lookup)
		we.Meta.Object = wobj
		if wobj.Type == protocol.ObjectNone {
			we.Meta.Object.ID = still
			c.waiting[still] = append(c.waiting[still], wid)
		} else {
			entries = markDirty(entries, dirty, dirtyObject{c.id, wobj})
		}
		newHome := homeKey(we.Record, we.Meta)
		entries = append(entries,
			entry{key: oldHome, delete: true},
			entry{key: newHome, value: encodeHome(we.Meta, we.Record)},
			entry{key: key(tRecord, wid[:]), value: newHome})
	}
	return entries, nil
}

// restorable reports whether r brings the body that stored, the same
// record, lost to a deletion that does not hold now. r was validated: its
// body is the one its author signed the hash of.
func restorable(stored Entry, r *protocol.Record) bool {
	return stored.Record.Purged() && !r.Purged() && !stored.Meta.Deleted
}

// restoreEntries puts r's body back in stored's home, with the index
// entries the body makes, and marks its object for a refresh (its view
// shows the text again).
func restoreEntries(stored Entry, r *protocol.Record, dirty map[dirtyObject]struct{}) []entry {
	entries := []entry{
		{key: homeKey(r, stored.Meta), value: encodeHome(stored.Meta, r)},
		{key: lostKey(r), delete: true},
	}
	for _, k := range bodyKeys(r) {
		entries = append(entries, entry{key: k})
	}
	return markDirty(entries, dirty, dirtyObject{r.Community(), stored.Meta.Object})
}

// markDirty adds the dirty marker of d, once per batch.
func markDirty(entries []entry, dirty map[dirtyObject]struct{}, d dirtyObject) []entry {
	if _, ok := dirty[d]; ok {
		return entries
	}
	dirty[d] = struct{}{}
	return append(entries, entry{key: objectKey(tDirty, d.community, d.object)})
}
