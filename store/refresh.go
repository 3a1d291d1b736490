package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/fxamacker/cbor/v2"

	"github.com/kith-network/kith/protocol"
)

// Flush refreshes every view left dirty by ingest. Queries call it first;
// tests and benchmarks call it to wait for the views.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked(ctx)
}

// maxGroup bounds the entries of one refresh transaction; a refresh larger
// than that (a huge thread changing status at once) commits in parts, the
// dirty marker last, so a crash midway only means refreshing it again.
const maxGroup = 1000

func (s *Store) flushLocked(ctx context.Context) error {
	if len(s.dirty) == 0 {
		return nil
	}
	todo := make([]dirtyObject, 0, len(s.dirty))
	for d := range s.dirty {
		todo = append(todo, d)
	}
	slices.SortFunc(todo, func(a, b dirtyObject) int {
		if c := a.community.Compare(b.community); c != 0 {
			return c
		}
		if a.object.Type != b.object.Type {
			return int(a.object.Type) - int(b.object.Type)
		}
		return a.object.ID.Compare(b.object.ID)
	})
	// Objects are disjoint, so each reads the snapshot taken here while
	// the writes of those before it commit.
	read := s.db.NewTransaction(false)
	defer read.Discard()
	w := newWriter(s.db)
	defer w.discard()
	var done []dirtyObject
	commit := func() error {
		if err := w.wait(); err != nil {
			return err
		}
		for _, d := range done {
			delete(s.dirty, d)
		}
		done = done[:0]
		return nil
	}
	for i, d := range todo {
		if i%64 == 0 && ctx.Err() != nil {
			break
		}
		entries, err := s.refresh(read, d)
		if err != nil {
			return fmt.Errorf("refresh %s %s: %w", d.object.Type, d.object.ID, err)
		}
		for len(entries) > maxGroup {
			if err := w.group(entries[:maxGroup]); err != nil {
				return err
			}
			entries = entries[maxGroup:]
		}
		if w.count > 0 && w.count+len(entries) > maxTxnCount {
			if err := commit(); err != nil {
				return err
			}
		}
		if err := w.group(entries); err != nil {
			return err
		}
		done = append(done, d)
	}
	if err := commit(); err != nil {
		return err
	}
	return ctx.Err()
}

// refresh re-evaluates one object and returns the entries that bring its
// records' meta, its view and its list entries up to date, ending with the
// removal of its dirty marker. The in-memory reconciliation items follow
// the new statuses.
func (s *Store) refresh(txn *badger.Txn, d dirtyObject) ([]entry, error) {
	c := s.communities[d.community]
	if c == nil {
		return nil, fmt.Errorf("community %s not loaded", d.community)
	}
	var stored []Entry
	if d.object.Type == protocol.ObjectNone {
		// A record waiting for its target: only its status can change.
		e, err := getStored(txn, d.object.ID)
		if err != nil {
			return nil, err
		}
		stored = append(stored, e)
	} else {
		err := scan(txn, objectKey(tObject, c.id, d.object), func(_, v []byte) error {
			e, err := decodeHome(v)
			if err == nil {
				stored = append(stored, e)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	recs := make([]*protocol.Record, len(stored))
	byID := make(map[protocol.ID]*protocol.Record, len(stored))
	for i, e := range stored {
		recs[i] = e.Record
		byID[e.Record.ID()] = e.Record
	}
	st := protocol.EvaluateWith(c.members, recs)
	var entries []entry
	for _, e := range stored {
		entries = append(entries, refreshRecord(c, e, st)...)
	}
	if d.object.Type != protocol.ObjectNone && d.object.Type != protocol.ObjectControl {
		es, err := refreshView(txn, c.id, d.object, st, byID)
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	return append(entries, entry{key: objectKey(tDirty, c.id, d.object), delete: true}), nil
}

// refreshRecord updates one record's meta from the evaluated state, and
// purges its body when a tombstone took effect.
func refreshRecord(c *community, e Entry, st *protocol.State) []entry {
	r, old := e.Record, e.Meta
	id := r.ID()
	m := old
	m.Status = st.Status[id]
	_, m.Deleted = st.Tombstoned[id]
	_, m.Hidden = st.Hidden[id]
	purge := m.Deleted && !r.Purged()
	if m == old && !purge {
		return nil
	}
	var entries []entry
	if m.Status != old.Status {
		entries = append(entries, entry{key: key(tOrder, c.id[:], encodePos(protocol.PositionOf(r))), value: []byte{byte(m.Status)}})
		if m.Status == protocol.StatusAccepted {
			c.items.Insert(protocol.PositionOf(r))
		} else {
			c.items.Delete(protocol.PositionOf(r))
		}
	}
	if purge {
		// The body goes; so do the index entries that only its body made.
		pos := encodePos(protocol.PositionOf(r))
		for _, tag := range recordTags(r) {
			entries = append(entries, entry{key: append(tagKey(c.id, tag), pos...), delete: true})
		}
		r = r.Without()
	}
	return append(entries, entry{key: homeKey(r, m), value: encodeHome(m, r)})
}

// refreshView replaces an object's stored view and its list entries.
func refreshView(txn *badger.Txn, c protocol.ID, obj protocol.Object, st *protocol.State, byID map[protocol.ID]*protocol.Record) ([]entry, error) {
	var entries []entry
	vk := objectKey(tView, c, obj)
	oldData, err := getValue(txn, vk)
	switch {
	case err == nil:
		oldKeys, err := listKeys(c, obj, oldData)
		if err != nil {
			return nil, fmt.Errorf("read old view: %w", err)
		}
		for _, k := range oldKeys {
			entries = append(entries, entry{key: k, delete: true})
		}
	case err != ErrNotFound:
		return nil, err
	}
	view, keys := buildView(c, obj, st, byID)
	if view == nil {
		if oldData != nil {
			entries = append(entries, entry{key: vk, delete: true})
		}
		return entries, nil
	}
	data, err := cbor.Marshal(view)
	if err != nil {
		return nil, fmt.Errorf("encode view: %w", err)
	}
	entries = append(entries, entry{key: vk, value: data})
	for _, k := range keys {
		entries = append(entries, entry{key: k})
	}
	return entries, nil
}

func decodeView(data []byte, v any) error {
	if err := cbor.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode view: %w", err)
	}
	return nil
}
