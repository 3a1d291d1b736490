package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// ErrForgotten is returned by Put for a record of a community this store
// forgot and was not told to take back (Remember).
var ErrForgotten = errors.New("this node forgot the community")

// tForgetting marks a community being forgotten, from the transaction
// that unlists it until every key of it is gone; Open finishes what a
// crash interrupted. It never outlives a Forget, so it needs no format
// version of its own.
const tForgetting = 'G'

// communityTables are the tables whose keys start with a community's ID:
// a community's entries of each are one prefix.
var communityTables = []byte{tCommunity, tOrder, tObject, tWaiting, tAuthor, tKind, tTag, tFile,
	tDirty, tView, tThreads, tActive, tNotes, tEvents, tPromoted, tLost, tReacts}

// Forget removes a community from the store: every record of it, with
// every index entry, view and marker, so that the node no longer lists,
// serves or syncs it, and its text leaves the disk (Badger drops the
// keys from its files, not only from its index). It returns how many
// records it removed, or ErrNotFound if the store holds no such
// community.
//
// Records of the community that arrive afterwards (a sync session that
// was running) are not stored, until Remember: the member joins again or
// imports it. A crash part way leaves the community unlisted, and the next
// Open removes the rest. Writes wait while it runs; it takes about as
// long as a scrub.
func (s *Store) Forget(ctx context.Context, community protocol.ID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("forget community %s: %w", community, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.communities[community] == nil {
		return 0, fmt.Errorf("forget community %s: %w", community, ErrNotFound)
	}
	// Check reads a snapshot: one taken half way would report the rest
	// of the community as broken.
	s.checking.Lock()
	defer s.checking.Unlock()
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(key(tForgetting, community[:]), nil); err != nil {
			return err
		}
		return txn.Delete(key(tCommunity, community[:]))
	})
	if err != nil {
		return 0, fmt.Errorf("forget community %s: %w", community, err)
	}
	delete(s.communities, community)
	for d := range s.dirty {
		if d.community == community {
			delete(s.dirty, d)
		}
	}
	if s.forgotten == nil {
		s.forgotten = make(map[protocol.ID]bool)
	}
	s.forgotten[community] = true
	// From here it goes to the end, whatever ctx says: what remains of a
	// failure is finished at the next Open, the community unlisted
	// either way.
	n, err := s.removeCommunity(community)
	if err != nil {
		return 0, fmt.Errorf("forget community %s: %w (the rest is removed when the store opens next)", community, err)
	}
	return n, nil
}

// Remember lets records of a community Forget removed be stored again:
// the member joins it again, or imports an archive of it.
func (s *Store) Remember(community protocol.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forgotten, community)
}

// removeCommunity deletes every key of a community that is being
// forgotten, then its marker, and returns how many records it had. It is
// idempotent, so that Open can run it again after a crash.
func (s *Store) removeCommunity(community protocol.ID) (int, error) {
	// Pointers ('r' id) are the only keys of a record outside its
	// community's prefixes; every record has an order entry ('c') that
	// names it, so those are read first and deleted last.
	var ids []protocol.ID
	err := s.db.View(func(txn *badger.Txn) error {
		return scanKeys(txn, key(tOrder, community[:]), func(k []byte) error {
			ids = append(ids, lastID(k))
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("list records: %w", err)
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, id := range ids {
		if err := wb.Delete(key(tRecord, id[:])); err != nil {
			return 0, fmt.Errorf("delete record pointers: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("delete record pointers: %w", err)
	}
	prefixes := make([][]byte, 0, len(communityTables))
	for _, t := range communityTables {
		prefixes = append(prefixes, key(t, community[:]))
	}
	if err := s.db.DropPrefix(prefixes...); err != nil {
		return 0, fmt.Errorf("drop keys: %w", err)
	}
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Delete(key(tForgetting, community[:])) })
	if err != nil {
		return 0, fmt.Errorf("clear the marker: %w", err)
	}
	return len(ids), nil
}

// finishForgetting removes what is left of communities a crash stopped
// Forget from removing; Open calls it before reading the store.
func (s *Store) finishForgetting() error {
	var pending []protocol.ID
	err := s.db.View(func(txn *badger.Txn) error {
		return scanKeys(txn, []byte{tForgetting}, func(k []byte) error {
			if len(k) == 1+idLen {
				pending = append(pending, lastID(k))
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("look for communities being forgotten: %w", err)
	}
	for _, c := range pending {
		s.log.Info("store: removing the rest of a community forgotten when the last run stopped", "community", c)
		if _, err := s.removeCommunity(c); err != nil {
			return fmt.Errorf("forget community %s: %w", c, err)
		}
	}
	return nil
}
