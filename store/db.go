package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// scan calls fn for every key with prefix, in order, with its value.
func scan(txn *badger.Txn, prefix []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		k := item.KeyCopy(nil)
		if err := item.Value(func(v []byte) error { return fn(k, v) }); err != nil {
			return err
		}
	}
	return nil
}

// scanKeys calls fn for every key with prefix, in order, without reading
// values.
func scanKeys(txn *badger.Txn, prefix []byte, fn func(k []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if err := fn(it.Item().KeyCopy(nil)); err != nil {
			return err
		}
	}
	return nil
}

// getValue returns a copy of the value at k, or ErrNotFound.
func getValue(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// getStored reads a record and its meta through its pointer.
func getStored(txn *badger.Txn, id protocol.ID) (Entry, error) {
	home, err := getValue(txn, key(tRecord, id[:]))
	if err != nil {
		return Entry{}, fmt.Errorf("record %s: %w", id, err)
	}
	v, err := getValue(txn, home)
	if err != nil {
		return Entry{}, fmt.Errorf("record %s: home: %w", id, err)
	}
	e, err := decodeHome(v)
	if err != nil {
		return Entry{}, fmt.Errorf("record %s: %w", id, err)
	}
	return e, nil
}

func has(txn *badger.Txn, k []byte) (bool, error) {
	_, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

func decodeDirtyKey(k []byte) (dirtyObject, error) {
	if len(k) != 1+idLen+1+idLen {
		return dirtyObject{}, fmt.Errorf("dirty marker key is %d bytes", len(k))
	}
	var d dirtyObject
	copy(d.community[:], k[1:])
	d.object.Type = protocol.ObjectType(k[1+idLen])
	copy(d.object.ID[:], k[2+idLen:])
	return d, nil
}

// writer groups writes into transactions small enough for Badger's limits
// (a fraction of the memtable), committing between groups, never inside
// one: a group is all the entries about one record or one view, so each
// lands whole or not at all.
type writer struct {
	db    *badger.DB
	txn   *badger.Txn
	bytes int
	count int
}

const (
	maxTxnBytes = 512 << 10
	maxTxnCount = 4000
)

type entry struct {
	key, value []byte
	delete     bool
}

func newWriter(db *badger.DB) *writer { return &writer{db: db, txn: db.NewTransaction(true)} }

// group writes entries in one transaction, committing the current one
// first if they might not fit.
func (w *writer) group(entries []entry) error {
	size := 0
	for _, e := range entries {
		size += len(e.key) + len(e.value) + 64
	}
	if w.count > 0 && (w.bytes+size > maxTxnBytes || w.count+len(entries) > maxTxnCount) {
		if err := w.commit(); err != nil {
			return err
		}
	}
	for _, e := range entries {
		var err error
		if e.delete {
			err = w.txn.Delete(e.key)
		} else {
			err = w.txn.Set(e.key, e.value)
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	w.bytes += size
	w.count += len(entries)
	return nil
}

// commit commits the open transaction and starts another.
func (w *writer) commit() error {
	if w.count == 0 {
		return nil
	}
	if err := w.txn.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	w.txn = w.db.NewTransaction(true)
	w.bytes, w.count = 0, 0
	return nil
}

// discard drops uncommitted writes.
func (w *writer) discard() { w.txn.Discard() }
