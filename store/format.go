package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// FormatVersion is the layout of keys and values this code reads and
// writes. A store written by an older version is migrated on Open; one
// written by a newer version is refused rather than misread.
const FormatVersion = 1

// migrations[v] upgrades a store from format v to v+1. None yet: this is
// where they go, each a function of one transaction-sized step.
var migrations = map[uint32]func(*badger.DB) error{}

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
