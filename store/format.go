package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// FormatVersion is the layout of keys and values this code reads and
// writes. A store written by an older version is migrated on Open; one
// written by a newer version is refused rather than misread.
const FormatVersion = 4

// migrations[v] upgrades a store from format v to v+1.
var migrations = map[uint32]func(*badger.DB) error{
	// 2: notes promoted from a thread are listed by thread ('P').
	1: refreshAll(protocol.ObjectNote),
	// 3: records held without the body a deletion no longer holding
	// purged are marked ('l'); objects holding a hide are refreshed, as
	// the rules changed (only a moderator's deletion undoes a hide).
	2: func(db *badger.DB) error {
		if err := markLost(db); err != nil {
			return err
		}
		return refreshHolding(db, protocol.KindHide)
	},
	// 4: reactions are listed by author and target ('R').
	3: indexReactions,
}

// indexReactions writes the 'R' entry of every reaction held.
func indexReactions(db *badger.DB) error {
	return rewrite(db, func(txn *badger.Txn, set func([]byte) error) error {
		return scanKeys(txn, []byte{tCommunity}, func(ck []byte) error {
			c := lastID(ck)
			return scanKeys(txn, key(tKind, c[:], []byte{byte(protocol.KindReact)}), func(k []byte) error {
				e, err := getStored(txn, decodePos(k).ID)
				if err != nil {
					return err
				}
				h := e.Record.Header
				return set(append(reactsKey(c, h.Author, h.Target), k[len(k)-posLen:]...))
			})
		})
	})
}

// rewrite is the shape of every migration: it reads the whole store in
// one snapshot, and writes what fn sets with one write batch.
func rewrite(db *badger.DB, fn func(txn *badger.Txn, set func(k []byte) error) error) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	set := func(k []byte) error { return wb.Set(k, nil) }
	if err := db.View(func(txn *badger.Txn) error { return fn(txn, set) }); err != nil {
		return err
	}
	return wb.Flush()
}

// refreshHolding marks dirty every object holding a record of kind, so
// that the refresh after Open applies rules that changed for that kind.
func refreshHolding(db *badger.DB, kind protocol.Kind) error {
	return rewrite(db, func(txn *badger.Txn, set func([]byte) error) error {
		return scanKeys(txn, []byte{tCommunity}, func(ck []byte) error {
			c := lastID(ck)
			return scanKeys(txn, key(tKind, c[:], []byte{byte(kind)}), func(k []byte) error {
				e, err := getStored(txn, decodePos(k).ID)
				if err != nil || e.Meta.Object.Type == protocol.ObjectNone {
					return err
				}
				return set(objectKey(tDirty, c, e.Meta.Object))
			})
		})
	})
}

// refreshAll returns a migration that marks every stored view of type typ
// dirty, so that the refresh after Open writes what a new format derives
// from them. Views are derived data: recomputing them is always safe.
func refreshAll(typ protocol.ObjectType) func(*badger.DB) error {
	return func(db *badger.DB) error {
		return rewrite(db, func(txn *badger.Txn, set func([]byte) error) error {
			return scanKeys(txn, []byte{tView}, func(k []byte) error {
				if len(k) != 1+idLen+1+idLen || protocol.ObjectType(k[1+idLen]) != typ {
					return nil
				}
				return set(append([]byte{tDirty}, k[1:]...))
			})
		})
	}
}

// migrate stamps a new store with FormatVersion, upgrades an older one, and
// refuses a newer one.
func (s *Store) migrate() error {
	version, found, err := s.readFormat()
	if err != nil {
		return err
	}
	if !found {
		empty, err := s.isEmpty()
		if err != nil {
			return err
		}
		if !empty {
			return errors.New("store has data but no format version: it was not written by kith")
		}
		return s.writeFormat(FormatVersion)
	}
	if version > FormatVersion {
		return fmt.Errorf("store format %d is newer than this kith understands (%d): upgrade kith", version, FormatVersion)
	}
	// Before any migration, which would otherwise read a community a
	// crash left half removed.
	if err := s.finishForgetting(); err != nil {
		return err
	}
	for ; version < FormatVersion; version++ {
		step, ok := migrations[version]
		if !ok {
			return fmt.Errorf("no migration from store format %d", version)
		}
		s.log.Info("store: migrating", "from", version, "to", version+1)
		if err := step(s.db); err != nil {
			return fmt.Errorf("migrate store format %d to %d: %w", version, version+1, err)
		}
		if err := s.writeFormat(version + 1); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) readFormat() (uint32, bool, error) {
	var v uint32
	var found bool
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte{tFormat})
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			if len(b) != 4 {
				return fmt.Errorf("store format version is %d bytes, want 4", len(b))
			}
			v, found = binary.BigEndian.Uint32(b), true
			return nil
		})
	})
	if err != nil {
		return 0, false, fmt.Errorf("read store format: %w", err)
	}
	return v, found, nil
}

func (s *Store) writeFormat(v uint32) error {
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte{tFormat}, binary.BigEndian.AppendUint32(nil, v))
	})
	if err != nil {
		return fmt.Errorf("write store format: %w", err)
	}
	return s.db.Sync()
}

func (s *Store) isEmpty() (bool, error) {
	empty := true
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	return empty, err
}

// Identity names this store: random, made the first time it opens. What
// is derived from a store outside it (the search index) records it, to
// notice a store replaced (moved aside after damage, restored from an
// older copy) and start again rather than answer from another's records.
func (s *Store) Identity() string { return s.identity }

func (s *Store) readIdentity() (string, error) {
	var id []byte
	err := s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte{tIdentity})
		if err == nil {
			id, err = item.ValueCopy(nil)
			return err
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		id = make([]byte, 16)
		rand.Read(id)
		return txn.Set([]byte{tIdentity}, id)
	})
	if err != nil {
		return "", fmt.Errorf("store identity: %w", err)
	}
	return hex.EncodeToString(id), nil
}
