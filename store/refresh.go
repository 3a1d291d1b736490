package store

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

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
	w := newWriter(s.db)
	defer w.discard()
	// Objects are disjoint: workers evaluate a chunk of them in parallel,
	// each through its own snapshot, then their entries are written in
	// order while the next chunk is evaluated against what is committed.
	workers := max(1, runtime.GOMAXPROCS(0))
	for start := 0; start < len(todo); start += refreshChunk {
		if err := ctx.Err(); err != nil {
			break
		}
		chunk := todo[start:min(len(todo), start+refreshChunk)]
		results := make([]refreshResult, len(chunk))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				read := s.db.NewTransaction(false)
				defer read.Discard()
				for i := int(next.Add(1) - 1); i < len(chunk); i = int(next.Add(1) - 1) {
					results[i] = s.refresh(read, chunk[i])
				}
			})
		}
		wg.Wait()
		for i, res := range results {
			d := chunk[i]
			if res.err != nil {
				return fmt.Errorf("refresh %s %s: %w", d.object.Type, d.object.ID, res.err)
			}
			s.needScrub = s.needScrub || res.purged
			entries := res.entries
			for len(entries) > maxGroup {
				if err := w.group(entries[:maxGroup]); err != nil {
					return err
				}
				entries = entries[maxGroup:]
			}
			if err := w.group(entries); err != nil {
				return err
			}
		}
		if err := w.wait(); err != nil {
			return err
		}
		// Only now that the statuses are written does memory follow them:
		// after a failed write the objects stay dirty, and the next flush
		// brings the same changes.
		for i, res := range results {
			s.communities[chunk[i].community].followStatuses(res.items)
		}
		for _, d := range chunk {
			delete(s.dirty, d)
		}
	}
	return ctx.Err()
}

// followStatuses makes c's reconciliation items and count of records set
// aside follow records' new statuses.
func (c *community) followStatuses(changes []itemChange) {
	for _, ch := range changes {
		if ch.to == protocol.StatusAccepted {
			c.items.Insert(ch.pos)
		} else {
			c.items.Delete(ch.pos)
		}
		if aside(ch.from) {
			c.aside--
		}
		if aside(ch.to) {
			c.aside++
		}
	}
}

// refreshChunk is how many objects are evaluated before their entries are
// written: enough to keep every core busy, few enough to bound memory.
const refreshChunk = 512

// refreshResult is what refreshing one object produced.
type refreshResult struct {
	entries []entry
	items   []itemChange
	purged  bool // a body was purged: the files on disk need a scrub
	err     error
}

// itemChange is a record whose status changed: it enters or leaves the
// reconciliation set, and the count of records set aside.
type itemChange struct {
	pos      protocol.Position
	from, to protocol.Status
}

// refresh re-evaluates one object and returns the entries that bring its
// records' meta, its view and its list entries up to date, ending with the
// removal of its dirty marker. The in-memory reconciliation items follow
// the new statuses.
func (s *Store) refresh(txn *badger.Txn, d dirtyObject) refreshResult {
	c := s.communities[d.community]
	if c == nil {
		return refreshResult{err: fmt.Errorf("community %s not loaded", d.community)}
	}
	var stored []Entry
	if d.object.Type == protocol.ObjectNone {
		// A record waiting for its target: only its status can change.
		e, err := getStored(txn, d.object.ID)
		if err != nil {
			return refreshResult{err: err}
		}
		if e.Meta.Object.Type != protocol.ObjectNone {
			// Its target came since, and it moved into the target's
			// object, which is dirty too and refreshes it: refreshing it
			// here as well would count its status change twice.
			return refreshResult{entries: []entry{{key: objectKey(tDirty, c.id, d.object), delete: true}}}
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
			return refreshResult{err: err}
		}
	}
	recs := make([]*protocol.Record, len(stored))
	byID := make(map[protocol.ID]*protocol.Record, len(stored))
	for i, e := range stored {
		recs[i] = e.Record
		byID[e.Record.ID()] = e.Record
	}
	st := protocol.EvaluateWith(c.members, recs)
	var res refreshResult
	for _, e := range stored {
		res.entries = refreshRecord(res.entries, &res.items, c.id, e, st)
		if _, deleted := st.Tombstoned[e.Record.ID()]; deleted && purgeable(e.Record) {
			res.purged = true
		}
	}
	if d.object.Type != protocol.ObjectNone && d.object.Type != protocol.ObjectControl {
		es, err := refreshView(txn, c.id, d.object, st, byID)
		if err != nil {
			return refreshResult{err: err}
		}
		res.entries = append(res.entries, es...)
	}
	res.entries = append(res.entries, entry{key: objectKey(tDirty, c.id, d.object), delete: true})
	if res.purged {
		// Written with the purge itself, so that no crash can leave the
		// old bytes in Badger's files without a scrub to come.
		res.entries = append(res.entries, entry{key: []byte{tScrubDue}})
	}
	return res
}

// refreshRecord adds the entries that update one record's meta from the
// evaluated state, and purge its body when a tombstone took effect.
func refreshRecord(entries []entry, items *[]itemChange, community protocol.ID, e Entry, st *protocol.State) []entry {
	r, old := e.Record, e.Meta
	id := r.ID()
	m := old
	m.Status = st.Status[id]
	_, m.Deleted = st.Tombstoned[id]
	_, m.Hidden = st.Hidden[id]
	purge := m.Deleted && purgeable(r)
	if m == old && !purge {
		return entries
	}
	if r.Purged() && m.Deleted != old.Deleted {
		// Held without its body: marked lost while no deletion holds, to
		// be asked of peers that kept it (Lost).
		entries = append(entries, entry{key: lostKey(r), delete: m.Deleted})
	}
	if m.Status != old.Status {
		pos := protocol.PositionOf(r)
		entries = append(entries, entry{key: key(tOrder, community[:], encodePos(pos)), value: []byte{byte(m.Status)}})
		*items = append(*items, itemChange{pos, old.Status, m.Status})
	}
	if purge {
		// The body goes; so do the index entries that only its body made.
		for _, k := range bodyKeys(r) {
			entries = append(entries, entry{key: k, delete: true})
		}
		r = r.Without()
	}
	return append(entries, entry{key: homeKey(r, m), value: encodeHome(m, r)})
}

// purgeable reports whether a deletion of r takes its body off disk. A
// deleted hide (a record shown again) keeps its body: its reason is the
// moderation log's "why", not content to take away.
func purgeable(r *protocol.Record) bool {
	return !r.Purged() && r.Header.Kind != protocol.KindHide
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
	var summary []byte
	if t, ok := view.(*ThreadView); ok {
		summary = threadSummary(t)
	}
	for _, k := range keys {
		entries = append(entries, entry{key: k, value: summary})
	}
	return entries, nil
}

func decodeView(data []byte, v any) error {
	if err := cbor.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode view: %w", err)
	}
	return nil
}
