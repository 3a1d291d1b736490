package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/search"
	"github.com/kith-network/kith/store"
)

// The indexer keeps the search index in step with the store, never in
// the way of ingest or sync: storing a record only notes its id; a
// goroutine indexes the objects those records touched, in batches,
// after they are stored.
//
// Catching up: the index keeps, per community, the store's digest of
// the records it reflects. At start, a community whose digest differs
// (records stored while the index was not told: a crash, an index deleted
// or written by a version that derived documents otherwise, docsVersion)
// is indexed whole, in the background;
// search answers meanwhile from what is indexed and says how far behind
// it is.

// indexBatch bounds the records taken at once, and indexEvery how often
// the indexer looks for work when nothing wakes it. While records are
// being synced or ingested (a burst of gossip) it waits for a pause of
// indexQuiet, but never longer than indexMaxLag: its reads would make the
// store refresh views in the middle of the burst, and an object touched by
// many records of the burst is indexed once rather than once per batch.
// It writes to the index indexApply documents at a time (a variable for
// tests). At a stop it indexes a community's waiting records only if at
// most indexAtStop do (well under its last round's 5 s).
var indexApply = 2000

const (
	indexBatch  = 100_000
	indexAtStop = 2000
	indexEvery  = 250 * time.Millisecond
	indexQuiet  = 300 * time.Millisecond
	indexMaxLag = time.Minute
)

// SearchDir is where the search index lives in a home directory.
const SearchDir = "search"

type indexer struct {
	store *store.Store
	log   *slog.Logger
	dir   string
	// busy reports that the node is ingesting or syncing: the indexer
	// waits for a pause.
	busy func() bool

	mu  sync.Mutex
	idx *search.Index
	// gen counts the indexes put in place (reindex, reopen): a step that
	// began on an earlier one is superseded, its writes lost with that
	// index, and must not mark anything done.
	gen uint64
	// stopping: the node stops, and only records are indexed, no
	// community whole.
	stopping bool
	pending  map[protocol.ID]protocol.ID // stored record → its community
	// local are the member's own records among pending: indexed at once,
	// ahead of a burst, so that what the member just wrote is found.
	local   map[protocol.ID]bool
	working int                  // records taken from pending, being indexed
	whole   map[protocol.ID]bool // communities to index whole
	// gone are communities the store no longer holds (forgotten) whose
	// documents are to be removed.
	gone    map[protocol.ID]bool
	wake    chan struct{}
	lastErr error

	// members is each community's membership as the indexer last saw
	// it, to find whose standing changed since (membershipChanges). Used
	// by the goroutine that runs the indexer only.
	members map[protocol.ID]*protocol.Membership
}

func openIndexer(h home.Home, s *store.Store, busy func() bool, log *slog.Logger) (*indexer, error) {
	x := &indexer{store: s, log: log, dir: filepath.Join(h.Dir, SearchDir), busy: busy,
		pending: make(map[protocol.ID]protocol.ID), local: make(map[protocol.ID]bool), whole: make(map[protocol.ID]bool), gone: make(map[protocol.ID]bool), wake: make(chan struct{}, 1),
		members: make(map[protocol.ID]*protocol.Membership)}
	idx, err := search.Open(x.dir)
	switch {
	case errors.Is(err, search.ErrCorrupt):
		log.Warn("search index unreadable: rebuilding it from the store", "err", err)
		idx, err = reopenEmpty(x.dir, nil)
	case errors.Is(err, search.ErrOutdated):
		log.Info("search index made by an older version of Kith: rebuilding it from the store (search answers from what is indexed meanwhile)")
		idx, err = reopenEmpty(x.dir, nil)
	}
	if err != nil {
		return nil, err
	}
	// An index made from another store (this one was moved aside after
	// damage, or restored from a copy) would answer with records this
	// store does not hold: it starts again.
	owner, err := idx.Meta(storeKey)
	if err != nil {
		idx.Close()
		return nil, err
	}
	if len(owner) > 0 && string(owner) != s.Identity() {
		log.Warn("search index was made from another store: rebuilding it from this one")
		if idx, err = reopenEmpty(x.dir, idx); err != nil {
			return nil, err
		}
	}
	if string(owner) != s.Identity() {
		if err := idx.Apply(context.Background(), nil, nil, map[string][]byte{storeKey: []byte(s.Identity())}); err != nil {
			idx.Close()
			return nil, err
		}
	}
	x.idx = idx
	for _, c := range s.Communities() {
		x.members[c] = s.Membership(c)
		v, err := idx.Meta(digestKey(c))
		if err != nil {
			return nil, err
		}
		if string(v) != x.digest(c) {
			x.whole[c] = true
		}
	}
	// Documents of a community the store forgot, left by a stop between
	// the two.
	indexed, err := idx.Values("community")
	if err != nil {
		return nil, err
	}
	for _, v := range indexed {
		if c, err := protocol.ParseID(v); err == nil && s.Membership(c) == nil {
			x.gone[c] = true
		}
	}
	return x, nil
}

// forget removes a community's documents from the index, in the
// background: the store forgot it. Records of it waiting to be indexed
// are dropped.
func (x *indexer) forget(c protocol.ID) {
	x.mu.Lock()
	x.gone[c] = true
	delete(x.whole, c)
	for id, pc := range x.pending {
		if pc == c {
			delete(x.pending, id)
			delete(x.local, id)
		}
	}
	x.mu.Unlock()
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// removeCommunity deletes every document of a community and its digest.
func (x *indexer) removeCommunity(ctx context.Context, idx *search.Index, c protocol.ID) error {
	ids, err := idx.IDs(ctx, "community", c.String())
	if err != nil {
		return err
	}
	if err := idx.Apply(ctx, nil, ids, map[string][]byte{digestKey(c): nil}); err != nil {
		return err
	}
	delete(x.members, c)
	if len(ids) > 0 {
		x.log.Info("search: removed the documents of a community this node forgot", "community", c, "documents", len(ids))
	}
	return nil
}

func digestKey(c protocol.ID) string { return "digest/" + c.String() }

// storeKey is the index's meta entry naming the store it was made from
// (store.Identity).
const storeKey = "store"

// reopenEmpty closes old (if any), removes the index in dir and opens a
// new one there.
func reopenEmpty(dir string, old *search.Index) (*search.Index, error) {
	if old != nil {
		if err := old.Close(); err != nil {
			return nil, fmt.Errorf("close search index: %w", err)
		}
	}
	if err := search.Remove(dir); err != nil {
		return nil, err
	}
	return search.Open(dir)
}

// docsVersion names how documents are derived from the store (indexdocs.go).
// It is part of each community's digest in the index, so that a change
// in what a document holds (version 2: an event's time is when it was
// announced, not when it starts) reindexes, once, the communities of an
// index written before it; the digest alone would not differ.
const docsVersion = 2

// digest is the store's fingerprint of a community's records, as the
// index keeps it, with the version of the documents derived from them.
func (x *indexer) digest(c protocol.ID) string {
	d, n := x.store.Fingerprint(c, protocol.Position{}, protocol.MaxPosition)
	return fmt.Sprintf("v%d/%s/%d", docsVersion, d, n)
}

// stored notes a record the store just stored; own says the member wrote
// it on this node.
func (x *indexer) stored(r *protocol.Record, own bool) {
	x.mu.Lock()
	x.pending[r.ID()] = r.Community()
	if own {
		x.local[r.ID()] = true
	}
	x.mu.Unlock()
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// lag says how far behind the index is: records not yet indexed, and
// communities being indexed whole.
func (x *indexer) lag() (records int, communities int, lastErr error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.pending) + x.working, len(x.whole), x.lastErr
}

// run indexes until ctx ends, then indexes what is pending for up to a
// few seconds: what the member wrote, and the communities with at most
// indexAtStop records waiting (a larger backlog is rebuilt at the next
// start).
func (x *indexer) run(ctx context.Context) {
	tick := time.NewTicker(indexEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// The records stored last, not a community rebuilt whole: a
			// rebuild starts again at the next start anyway (its digest is
			// not written), and one taken up here held the stop for its
			// whole 5 s.
			x.mu.Lock()
			x.stopping = true
			x.mu.Unlock()
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			for x.step(final) {
			}
			cancel()
			if n, _, _ := x.lag(); n > 0 {
				x.log.Info("search: records left to index at the next start", "records", n)
			}
			return
		case <-x.wake:
		case <-tick.C:
		}
		x.waitQuiet(ctx)
		for x.step(ctx) {
			if ctx.Err() != nil {
				break
			}
		}
	}
}

// hasLocal reports whether records the member wrote wait to be indexed.
func (x *indexer) hasLocal() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.local) > 0
}

// waitQuiet returns once the node has not been busy for indexQuiet,
// or after indexMaxLag, or when ctx ends; meanwhile it indexes the
// records the member writes.
func (x *indexer) waitQuiet(ctx context.Context) {
	deadline := time.Now().Add(indexMaxLag)
	quietSince := time.Now()
	for time.Now().Before(deadline) {
		// The member's own records do not wait for the burst to end.
		for x.hasLocal() && x.step(ctx) {
		}
		if x.busy() {
			quietSince = time.Now()
		} else if time.Since(quietSince) >= indexQuiet {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(indexQuiet / 4):
		}
	}
}

// step indexes one batch of pending records, or one community whole; it
// reports whether there was work.
func (x *indexer) step(ctx context.Context) bool {
	x.mu.Lock()
	idx, gen := x.idx, x.gen
	// A forgotten community first, that its text leaves the disk; after
	// a failure, again at the next step.
	for c := range x.gone {
		x.mu.Unlock()
		err := x.removeCommunity(ctx, idx, c)
		x.mu.Lock()
		if err == nil {
			delete(x.gone, c)
		}
		x.lastErr = err
		x.mu.Unlock()
		if err != nil {
			x.failed(ctx, err)
			return false
		}
		return true
	}
	batch := make(map[protocol.ID]protocol.ID)
	// The member's own records alone first, before a community rebuilt
	// whole or a burst's batch, either of which may take a minute.
	for id := range x.local {
		if c, ok := x.pending[id]; ok {
			batch[id] = c
			delete(x.pending, id)
		}
	}
	clear(x.local)
	own := len(batch) > 0
	var whole protocol.ID
	if len(batch) == 0 && !x.stopping {
		for c := range x.whole {
			whole = c
			break
		}
	}
	if whole.IsZero() && len(batch) == 0 {
		take, most := func(protocol.ID) bool { return true }, indexBatch
		if x.stopping {
			// At a stop, a community's backlog too large to finish in the
			// last round is left whole: its digest is not written, so the
			// next start rebuilds it, and the stop does not wait for work
			// it would drop. Other communities' few records are indexed.
			waiting := make(map[protocol.ID]int)
			for _, c := range x.pending {
				waiting[c]++
			}
			take, most = func(c protocol.ID) bool { return waiting[c] <= indexAtStop }, indexAtStop
		}
		for id, c := range x.pending {
			if !take(c) {
				continue
			}
			batch[id] = c
			delete(x.pending, id)
			if len(batch) == most {
				break
			}
		}
	}
	x.working = len(batch)
	x.mu.Unlock()
	var err error
	switch {
	case !whole.IsZero():
		err = x.indexCommunity(ctx, idx, whole)
	case len(batch) > 0:
		err = x.indexRecords(ctx, idx, batch)
	default:
		return false
	}
	x.mu.Lock()
	if x.gen != gen {
		// The index was replaced meanwhile (a rebuild asked for while
		// this ran): what this step wrote went to the old one, and the
		// new one indexes every community whole, these records with them.
		x.working = 0
		x.mu.Unlock()
		return true
	}
	if !whole.IsZero() && err == nil {
		delete(x.whole, whole)
	}
	x.working = 0
	x.lastErr = err
	if err != nil && len(batch) > 0 {
		// Tried again later, also when ctx ended: the stop's last round
		// takes them (the member's own first again).
		for id, c := range batch {
			x.pending[id] = c
			if own {
				x.local[id] = true
			}
		}
	}
	x.mu.Unlock()
	if err != nil {
		x.failed(ctx, err)
		return false
	}
	return true
}

// failed logs a step's error, and reopens the index after a failed write.
func (x *indexer) failed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		x.log.Warn("search indexing", "err", err)
	}
	if errors.Is(err, search.ErrWrite) {
		x.reopen()
	}
}

// reopen closes the index and opens it again from disk, after a write
// failed (a full disk): its memory may be left inconsistent, and the next
// write on it panic. An index that no longer opens is rebuilt.
func (x *indexer) reopen() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.idx.Close() // its error is the failed write's, said already
	idx, err := search.Open(x.dir)
	if errors.Is(err, search.ErrCorrupt) || errors.Is(err, search.ErrOutdated) {
		x.log.Warn("search index unreadable after a failed write: rebuilding it from the store", "err", err)
		idx, err = reopenEmpty(x.dir, nil)
		for _, c := range x.store.Communities() {
			x.whole[c] = true
		}
	}
	if err != nil {
		x.log.Error("reopen the search index", "err", err)
		return
	}
	x.idx = idx
	x.gen++
}

// indexRecords indexes the objects that newly stored records touched,
// and those whose records a change of membership may have admitted or
// refused.
func (x *indexer) indexRecords(ctx context.Context, idx *search.Index, batch map[protocol.ID]protocol.ID) error {
	touched := make(map[communityObject]*touch)
	communities := make(map[protocol.ID]bool)
	for id, c := range batch {
		// A batch may hold a whole burst (a minute of work): a stop does
		// not wait for it, and the batch is tried again.
		if err := ctx.Err(); err != nil {
			return err
		}
		communities[c] = true
		e, err := x.store.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if e.Meta.Object.Type != protocol.ObjectNone {
			o := communityObject{c, e.Meta.Object}
			if touched[o] == nil {
				touched[o] = &touch{only: make(map[protocol.ID]bool)}
			}
			touched[o].add(e.Record)
		}
	}
	seen, err := x.membershipChanges(ctx, communities, touched)
	if err != nil {
		return err
	}
	docs := make(map[string]*search.Doc)
	var gone []string
	for o, t := range touched {
		if err := ctx.Err(); err != nil {
			return err
		}
		key, fresh, err := objectDocs(ctx, x.store, o.community, o.obj, t.only)
		if err != nil {
			return err
		}
		if key != "" && (t.shrink || len(fresh) == 0 && t.only == nil) {
			had, err := idx.IDs(ctx, "thread", key)
			if err != nil {
				return err
			}
			for _, id := range had {
				if _, ok := fresh[id]; !ok {
					gone = append(gone, id)
				}
			}
		}
		for id, d := range fresh {
			docs[id] = d
		}
		if len(docs) >= indexApply {
			if err := idx.Apply(ctx, docs, nil, nil); err != nil {
				return err
			}
			clear(docs)
		}
	}
	meta := make(map[string][]byte)
	x.mu.Lock()
	// The digest says the index holds every record the store holds of a
	// community: not while some wait (a burst behind the member's own
	// records, or past indexBatch), or a crash now would leave them out for
	// good.
	waiting := make(map[protocol.ID]bool)
	for _, c := range x.pending {
		waiting[c] = true
	}
	for c := range communities {
		if !x.whole[c] && !waiting[c] {
			meta[digestKey(c)] = []byte(x.digest(c))
		}
	}
	x.mu.Unlock()
	if err := idx.Apply(ctx, docs, gone, meta); err != nil {
		return err // the batch is tried again, with the changes it saw
	}
	maps.Copy(x.members, seen)
	return nil
}

// communityObject is an object of a community.
type communityObject struct {
	community protocol.ID
	obj       protocol.Object
}

// touch is what new records changed of one object: whether they may have
// taken documents away from it (a deletion or a hide can), and, while
// they only added or changed replies or reactions of a thread, the
// records whose documents changed (only: true for a reply new itself,
// false for one edited or reacted to); nil when all may have.
type touch struct {
	shrink bool
	only   map[protocol.ID]bool
}

// add notes record r of the object.
func (t *touch) add(r *protocol.Record) {
	h := r.Header
	switch {
	case h.Kind == protocol.KindTombstone || h.Kind == protocol.KindHide:
		t.shrink, t.only = true, nil
	case t.only == nil:
	case h.Kind == protocol.KindReply && h.Target.IsZero():
		t.only[r.ID()] = true // a new reply: its own document
	case h.Kind == protocol.KindReply || h.Kind == protocol.KindReact:
		if _, ok := t.only[h.Target]; !ok {
			t.only[h.Target] = false // a reply's edit, or a reaction: its target's
		}
	default:
		t.only = nil // a post's edit, an accept...: every document may change
	}
}

// membershipChanges adds to touched, whole, the objects of the members
// whose standing changed in the communities of a batch since the indexer
// last looked: the store set aside, then admits, records of an author
// whose join comes after them, and refuses those a removal dates after.
// A change of genesis has the community indexed whole. It returns the
// memberships it compared with, for x.members once the batch is indexed.
func (x *indexer) membershipChanges(ctx context.Context, communities map[protocol.ID]bool, touched map[communityObject]*touch) (map[protocol.ID]*protocol.Membership, error) {
	now := make(map[protocol.ID]*protocol.Membership, len(communities))
	for c := range communities {
		m := x.store.Membership(c)
		old, seen := x.members[c]
		now[c] = m
		if !seen || m == old || m == nil {
			// A community new to the indexer: its records are indexed
			// as they come.
			continue
		}
		all, authors := m.ChangedFrom(old)
		if all {
			x.mu.Lock()
			x.whole[c] = true
			x.mu.Unlock()
			continue
		}
		for _, a := range authors {
			// Only the objects of records whose status or effect
			// changed: a history changed otherwise (a join dated
			// earlier, again and again) costs a scan of the author's
			// records, not a reindex of every thread they wrote in.
			changed := func(r *protocol.Record) bool {
				pos := protocol.PositionOf(r)
				return old.Status(r) != m.Status(r) ||
					old.StandingAt(a, pos).Moderates() != m.StandingAt(a, pos).Moderates()
			}
			objs, err := x.store.AuthorObjects(ctx, c, a, changed)
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				co := communityObject{c, o}
				t := touched[co]
				if t == nil {
					t = &touch{}
					touched[co] = t
				}
				// Records admitted may be hides of a moderator just
				// made one; records refused take their documents away.
				t.only, t.shrink = nil, true
			}
		}
	}
	return now, nil
}

// indexCommunity indexes every object of a community and removes the
// documents of objects it no longer has.
func (x *indexer) indexCommunity(ctx context.Context, idx *search.Index, c protocol.ID) error {
	start := time.Now()
	digest := x.digest(c) // before reading: records stored meanwhile are pending
	x.members[c] = x.store.Membership(c)
	keep := make(map[string]bool)
	docs := make(map[string]*search.Doc)
	flush := func(force bool) error {
		if len(docs) < indexApply && !force {
			return nil
		}
		for id := range docs {
			keep[id] = true
		}
		err := idx.Apply(ctx, docs, nil, nil)
		clear(docs)
		return err
	}
	add := func(obj protocol.Object) error {
		_, fresh, err := objectDocs(ctx, x.store, c, obj, nil)
		if err != nil {
			return err
		}
		for id, d := range fresh {
			docs[id] = d
		}
		return flush(false)
	}
	threads := func(cursor string, limit int) (store.Page[store.ThreadView], error) {
		return x.store.Threads(ctx, c, store.Newest, store.ThreadFilter{}, cursor, limit)
	}
	if err := store.EachPage(threads, func(v store.ThreadView) error {
		return add(protocol.Object{Type: protocol.ObjectThread, ID: v.Post})
	}); err != nil {
		return err
	}
	notes := func(cursor string, limit int) (store.Page[store.NoteView], error) {
		return x.store.Notes(ctx, c, cursor, limit)
	}
	if err := store.EachPage(notes, func(v store.NoteView) error {
		return add(protocol.Object{Type: protocol.ObjectNote, ID: v.Root})
	}); err != nil {
		return err
	}
	events := func(cursor string, limit int) (store.Page[store.Entry], error) {
		return x.store.ByKind(ctx, c, protocol.KindEvent, cursor, limit)
	}
	if err := store.EachPage(events, func(e store.Entry) error {
		if !e.Record.Header.Target.IsZero() {
			return nil // an edit: its event is the original
		}
		return add(protocol.Object{Type: protocol.ObjectEvent, ID: e.Record.ID()})
	}); err != nil {
		return err
	}
	members := func(cursor string, limit int) (store.Page[store.MemberView], error) {
		return x.store.Members(ctx, c, cursor, limit)
	}
	if err := store.EachPage(members, func(m store.MemberView) error {
		for id, d := range profileDoc(c, m) {
			docs[id] = d
		}
		return nil
	}); err != nil {
		return err
	}
	if err := flush(true); err != nil {
		return err
	}
	had, err := idx.IDs(ctx, "community", c.String())
	if err != nil {
		return err
	}
	var gone []string
	for _, id := range had {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	if err := idx.Apply(ctx, nil, gone, map[string][]byte{digestKey(c): []byte(digest)}); err != nil {
		return err
	}
	x.log.Info("search: community indexed", "community", c, "documents", len(keep), "removed", len(gone), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// reindex drops the index and indexes every community anew.
func (x *indexer) reindex() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.idx.Close(); err != nil {
		return fmt.Errorf("close search index: %w", err)
	}
	if err := search.Remove(x.dir); err != nil {
		return err
	}
	idx, err := search.Open(x.dir)
	if err != nil {
		return err
	}
	x.idx = idx
	x.gen++
	for _, c := range x.store.Communities() {
		x.whole[c] = true
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
	return nil
}

// index is the index in use (reindex replaces it).
func (x *indexer) index() *search.Index {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.idx
}

func (x *indexer) close() error { return x.index().Close() }
