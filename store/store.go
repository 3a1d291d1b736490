// Package store keeps a node's communities on disk: every record, the
// indexes the UI, CLI and sync query, and the views derived from the
// community rules of package protocol.
//
// One Badger database per home directory, opened with lean options. Records
// enter only as *protocol.Record values, which exist only after
// protocol.Validate (or Sign) accepted them. A record's bytes and every
// index entry about it are written in one transaction, together with a
// marker saying which object's view (thread, note, event, member) must be
// recomputed; views are recomputed from protocol.EvaluateWith, coalesced
// in the background and before every query, and the marker is removed only
// once the view is written. So a crash at any moment leaves a store whose
// indexes match its records and whose views catch up on the next open.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/kith-network/kith/protocol"
)

// ErrInUse is returned by Open when another process (normally the daemon)
// has the store open. Only one process may open a store: the CLI talks to
// the daemon instead.
var ErrInUse = errors.New("store is in use by a running daemon")

// ErrNotFound is returned for a record, thread, note or event the store
// does not hold (or does not show).
var ErrNotFound = errors.New("not found")

// Options tune a store. The zero value is right for a member's node.
type Options struct {
	// Logger receives Badger's warnings and errors and the store's own
	// messages; nil discards them.
	Logger *slog.Logger
	// FlushDelay is how long view refreshes wait after the last ingest,
	// to coalesce the objects touched by consecutive ingests; 0 means
	// 100 ms.
	FlushDelay time.Duration
	// MaxAside bounds how many records a community may hold aside: pending
	// (author not admitted) or removed (written after the author's
	// removal). Anyone can sign such records, so past the bound Ingest
	// refuses more rather than let a stranger fill the disk; they come
	// again by sync once their author is admitted. Put, for the member's
	// own records, is not bounded. 0 means DefaultMaxAside.
	MaxAside int
	// MinFree is how many bytes must stay free on the disk holding the
	// store for Open, Put and Ingest to write (ErrDiskFull); 0 means
	// DefaultMinFree.
	MinFree int64
}

// DefaultMaxAside is Options.MaxAside's default: far more than records
// arriving ahead of their author's join, and at most about 70 MB of
// records of the largest size.
const DefaultMaxAside = 1000

// Store is a node's record store. Its methods are safe for concurrent use.
type Store struct {
	db      *badger.DB
	log     *slog.Logger
	dir     string
	minFree int64 // Options.MinFree

	// mu serializes writers (ingest and view refresh) and guards the
	// in-memory state below, which is derived from the database at Open.
	mu          sync.Mutex
	communities map[protocol.ID]*community
	dirty       map[dirtyObject]struct{}
	forgotten   map[protocol.ID]bool // communities Forget removed: their records are not stored (forget.go)

	flushDelay time.Duration
	maxAside   int
	needScrub  bool         // bodies were purged since the last scrub (guarded by mu)
	lastScrub  time.Time    // guarded by mu
	ingesting  atomic.Int32 // ingests running or waiting for mu: views wait for them
	kick       chan struct{}
	stop       chan struct{}
	done       chan struct{}
	closeOnce  sync.Once
	identity   string // see Identity

	// removing is held by Forget while it removes a community, and for
	// reading by Check and Remember, which must not see or write into a
	// community half removed (forget.go).
	removing sync.RWMutex
}

// community is what the store keeps in memory about one community: its
// control records and resolved membership (small: one join per member),
// and the positions of its accepted records for reconciliation.
type community struct {
	id       protocol.ID
	controls []*protocol.Record
	members  *protocol.Membership
	items    *ItemSet
	// waiting maps a missing target to the records that wait for it
	// (reactions, tombstones, hides that arrived first). Usually empty.
	waiting map[protocol.ID][]protocol.ID
	// aside counts the records held with a status set aside (pending or
	// removed), bounded by Options.MaxAside.
	aside int
	// isNew is set until the community's first record is written.
	isNew bool
}

func newCommunity(id protocol.ID) *community {
	return &community{id: id, items: NewItemSet(), waiting: make(map[protocol.ID][]protocol.ID),
		members: protocol.ResolveMembership(id, nil)}
}

// dirtyObject is an object whose view waits for a refresh.
type dirtyObject struct {
	community protocol.ID
	object    protocol.Object
}

// leanOptions keep an empty store near 30 MB rather than Badger's 150 MB:
// small memtables and caches suit a store that writes in bursts and reads
// a page at a time.
func leanOptions(dir string, log *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithCompression(options.Snappy).
		WithMetricsEnabled(false).
		WithDetectConflicts(false). // one writer at a time, under Store.mu
		WithCompactL0OnClose(true).
		// A damaged block is then an error for the read that meets it,
		// where unchecked it could be garbage or a panic in a compaction.
		WithChecksumVerificationMode(options.OnBlockRead)
}

// Open opens (creating if need be) the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := checkUnlocked(dir, log); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	minFree := opts.MinFree
	if minFree <= 0 {
		minFree = DefaultMinFree
	}
	// Opening replays and flushes the memtable logs: a write too.
	if err := checkSpace(dir, minFree); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// The check read every table through buffers now garbage: give the
	// memory back at once, or the process keeps it resident for minutes.
	debug.FreeOSMemory()
	db, err := badger.Open(leanOptions(dir, log))
	if err != nil {
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, fmt.Errorf("open store %s: %w", dir, ErrInUse)
		}
		if noRoom(err) {
			return nil, fmt.Errorf("open store %s: %w: a file of the store could not grow (%v): free some space, or raise the file size limit (ulimit -f), and start again; the store itself is not damaged",
				dir, ErrDiskFull, err)
		}
		if damagedBadger(err) {
			return nil, fmt.Errorf("open store %s: %w: %s", dir, ErrDamaged, damageText(err))
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{
		db:          db,
		log:         log,
		communities: make(map[protocol.ID]*community),
		dirty:       make(map[dirtyObject]struct{}),
		forgotten:   make(map[protocol.ID]bool),
		flushDelay:  opts.FlushDelay,
		maxAside:    opts.MaxAside,
		dir:         dir,
		minFree:     minFree,
		kick:        make(chan struct{}, 1),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	if s.flushDelay <= 0 {
		s.flushDelay = 100 * time.Millisecond
	}
	if s.maxAside <= 0 {
		s.maxAside = DefaultMaxAside
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if s.identity, err = s.readIdentity(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if due, err := s.scrubDue(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	} else if due {
		// The last run purged bodies and stopped before scrubbing them.
		s.log.Info("store: removing purged bodies from disk, as the last run could not")
		s.needScrub = true
		s.poke()
	}
	go s.flusher()
	if len(s.dirty) > 0 {
		// Normal after any stop: views are refreshed after ingests, in the
		// background, and a stop does not wait for that.
		s.log.Info("store: bringing views up to date with the records stored last time", "objects", len(s.dirty))
		s.poke()
	}
	return s, nil
}

// Close stops background work and closes the database. Views not yet
// refreshed are refreshed on the next Open.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.needScrub {
			if serr := s.scrub(); serr != nil {
				s.log.Error("store: scrub purged bodies from disk", "err", serr)
			}
		}
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	})
	return err
}

// load reads the in-memory state: each community's control records,
// membership and reconciliation items, and the objects left dirty.
func (s *Store) load() error {
	return s.db.View(func(txn *badger.Txn) error {
		var ids []protocol.ID
		if err := scanKeys(txn, []byte{tCommunity}, func(k []byte) error {
			ids = append(ids, lastID(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			c, err := loadCommunity(txn, id)
			if err != nil {
				return fmt.Errorf("load community %s: %w", id, err)
			}
			s.communities[id] = c
		}
		return scanKeys(txn, []byte{tDirty}, func(k []byte) error {
			d, err := decodeDirtyKey(k)
			if err != nil {
				return err
			}
			s.dirty[d] = struct{}{}
			return nil
		})
	})
}

func loadCommunity(txn *badger.Txn, id protocol.ID) (*community, error) {
	c := newCommunity(id)
	for _, kind := range []protocol.Kind{protocol.KindCommunity, protocol.KindJoin, protocol.KindInvite, protocol.KindRole} {
		err := scanKeys(txn, key(tKind, id[:], []byte{byte(kind)}), func(k []byte) error {
			e, err := getStored(txn, decodePos(k).ID)
			if err != nil {
				return err
			}
			c.controls = append(c.controls, e.Record)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	c.members = protocol.ResolveMembership(id, c.controls)
	err := scan(txn, key(tOrder, id[:]), func(k, v []byte) error {
		if len(v) != 1 {
			return nil
		}
		switch st := protocol.Status(v[0]); {
		case st == protocol.StatusAccepted:
			c.items.Insert(decodePos(k))
		case aside(st):
			c.aside++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanKeys(txn, key(tWaiting, id[:]), func(k []byte) error {
		target := protocol.ID(k[1+idLen : 1+2*idLen])
		c.waiting[target] = append(c.waiting[target], lastID(k))
		return nil
	})
	return c, err
}

// maxViewLag bounds how long views may lag behind a steady stream of
// ingests.
const maxViewLag = 10 * time.Second

// flusher refreshes dirty views in the background once ingests pause for
// FlushDelay (or every maxViewLag during a long burst), so that a burst of
// batches refreshes each object about once. It is owned by the Store and
// stops on Close.
func (s *Store) flusher() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		}
		deadline := time.After(maxViewLag)
	quiet:
		for {
			select {
			case <-s.stop:
				return
			case <-s.kick:
			case <-time.After(s.flushDelay):
				if s.ingesting.Load() == 0 {
					break quiet
				}
			case <-deadline:
				break quiet
			}
		}
		if err := s.Flush(context.Background()); err != nil {
			s.log.Error("store: refresh views", "err", err)
		}
		s.mu.Lock()
		wait := scrubInterval - time.Since(s.lastScrub)
		if s.needScrub && wait <= 0 {
			if err := s.scrub(); err != nil {
				s.log.Error("store: scrub purged bodies from disk", "err", err)
			}
		} else if s.needScrub {
			time.AfterFunc(wait, s.poke)
		}
		s.mu.Unlock()
	}
}

// Ingesting reports whether an ingest is running or waiting: work that
// can wait (search indexing) waits for a pause, as view refreshes do.
func (s *Store) Ingesting() bool { return s.ingesting.Load() > 0 }

// scrubInterval is the least time between two scrubs: each rewrites the
// database's files, so a flurry of deletions is scrubbed together.
const scrubInterval = time.Minute

// scrub removes purged bodies from the files on disk. Purging writes a new
// version of the record without its body; Badger keeps the old version in
// its files (and its memtable's log) until a compaction drops it. So
// scrub flushes the memtables, by writing a marker and dropping it (Badger
// has no other way to force a flush), then compacts every level into one,
// which keeps only the newest version of each key. s.mu is held.
func (s *Store) scrub() error {
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte{tScrub}, nil) }); err != nil {
		return fmt.Errorf("write scrub marker: %w", err)
	}
	if err := s.db.DropPrefix([]byte{tScrub}); err != nil {
		return fmt.Errorf("flush memtables: %w", err)
	}
	if err := s.db.Flatten(2); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte{tScrubDue}) }); err != nil {
		return fmt.Errorf("clear the scrub marker: %w", err)
	}
	s.needScrub, s.lastScrub = false, time.Now()
	return nil
}

// scrubDue reports whether a purge is waiting for its scrub.
func (s *Store) scrubDue() (bool, error) {
	var due bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		due, err = has(txn, []byte{tScrubDue})
		return err
	})
	return due, err
}

func (s *Store) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// badgerLogger sends Badger's log lines to slog: warnings and errors as
// such, its chatty info lines at debug level.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) {
	l.log.Error("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l badgerLogger) Warningf(f string, a ...any) {
	msg := "badger: " + strings.TrimSpace(fmt.Sprintf(f, a...))
	if strings.Contains(f, "might be too small") || strings.HasPrefix(f, "Cache life expectancy") {
		// The caches are small on purpose (leanOptions): during a big
		// import or sync Badger says so every minute, with histograms.
		l.log.Debug(msg)
		return
	}
	l.log.Warn(msg)
}
func (l badgerLogger) Infof(f string, a ...any) {
	l.log.Debug("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l badgerLogger) Debugf(string, ...any) {}

// Size returns the bytes the store takes on disk: Badger's LSM tree and its
// value log, as Badger last measured them (it does so every minute).
func (s *Store) Size() int64 {
	lsm, vlog := s.db.Size()
	return lsm + vlog
}
