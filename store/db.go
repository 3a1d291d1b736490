package store

import (
	"errors"
	"fmt"
	"sync"

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
// (a fraction of the memtable), never splitting a group: a group is all
// the entries about one record or one view, so each lands whole or not at
// all.
//
// Entries are buffered and each full transaction commits in the background
// while the next fills, since a new Badger transaction waits for earlier
// commits anyway. Callers read through their own snapshot, never through
// the writer, and call wait before they return.
type writer struct {
	db    *badger.DB
	buf   []entry
	bytes int

	pending sync.WaitGroup
	mu      sync.Mutex
	err     error // the first commit error
}

const (
	maxTxnBytes = 1 << 20
	maxTxnCount = 8000
)

type entry struct {
	key, value []byte
	delete     bool
}

func newWriter(db *badger.DB) *writer { return &writer{db: db} }

// group adds entries to one transaction, starting the commit of the
// current one first if they might not fit. It returns the error of any
// earlier commit that failed.
func (w *writer) group(entries []entry) error {
	size := 0
	for _, e := range entries {
		size += len(e.key) + len(e.value) + 64
	}
	if len(w.buf) > 0 && (w.bytes+size > maxTxnBytes || len(w.buf)+len(entries) > maxTxnCount) {
		w.commit()
	}
	w.buf = append(w.buf, entries...)
	w.bytes += size
	return w.failed()
}

// commit starts committing the buffered entries in one transaction.
func (w *writer) commit() {
	if len(w.buf) == 0 {
		return
	}
	txn := w.db.NewTransaction(true)
	for _, e := range w.buf {
		var err error
		if e.delete {
			err = txn.Delete(e.key)
		} else {
			err = txn.Set(e.key, e.value)
		}
		if err != nil {
			txn.Discard()
			w.fail(fmt.Errorf("write: %w", err))
			w.buf, w.bytes = w.buf[:0], 0
			return
		}
	}
	w.buf, w.bytes = nil, 0
	w.pending.Add(1)
	txn.CommitWith(func(err error) {
		defer w.pending.Done()
		if err != nil {
			w.fail(fmt.Errorf("commit: %w", err))
		}
	})
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// wait commits what is buffered and waits until every commit has been
// applied, returning the first error.
func (w *writer) wait() error {
	w.commit()
	w.pending.Wait()
	return w.failed()
}

// discard drops buffered writes and waits for commits in flight.
func (w *writer) discard() {
	w.buf = nil
	w.pending.Wait()
}
