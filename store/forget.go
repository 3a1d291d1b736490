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
// keys from its files, and the scrub after it removes older versions
// Badger keeps, as for a deletion). It returns how many records it
// removed, or ErrNotFound if the store holds no such community.
//
// Records of the community that arrive afterwards (a sync session that
// was running) are not stored, until Remember: the member joins again or
// imports it. A crash part way leaves the community unlisted, and the next
// Open removes the rest. Reads and writes wait while Badger drops the
// keys (about as long as a scrub).
func (s *Store) Forget(ctx context.Context, community protocol.ID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("forget community %s: %w", community, err)
	}
	// Held to the end: Check's snapshot must not see a community half
	// removed, and Remember waits for the removal to finish, or a join's
	// records could be written under prefixes about to be dropped.
	s.removing.Lock()
	defer s.removing.Unlock()
	s.mu.Lock()
	if s.communities[community] == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("forget community %s: %w", community, ErrNotFound)
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(key(tForgetting, community[:]), nil); err != nil {
			return err
		}
		// The scrub after the removal is due even if a crash comes first.
		if err := txn.Set([]byte{tScrubDue}, nil); err != nil {
			return err
		}
		return txn.Delete(key(tCommunity, community[:]))
	})
	if err != nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("forget community %s: %w", community, err)
	}
	delete(s.communities, community)
	for d := range s.dirty {
		if d.community == community {
			delete(s.dirty, d)
		}
	}
	s.forgotten[community] = true
	s.mu.Unlock()
	// From here it goes to the end, whatever ctx says: what remains of a
	// failure is finished at the next Open, the community unlisted
	// either way.
	n, err := s.removeCommunity(community)
	s.mu.Lock()
	s.needScrub = true
	s.mu.Unlock()
	s.poke()
	if err != nil {
		return 0, fmt.Errorf("forget community %s: %w (the rest is removed when the store opens next)", community, err)
	}
	return n, nil
}

// Remember lets records of a community Forget removed be stored again:
// the member joins it again, or imports an archive of it. It waits for a
// removal under way to finish.
func (s *Store) Remember(community protocol.ID) {
	s.removing.RLock()
	defer s.removing.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forgotten, community)
}

// removeCommunity deletes every key of a community that is being
// forgotten, then its marker, and returns how many records it had. It is
// idempotent, so that Open can run it again after a crash. Nothing else
// writes the community's keys meanwhile: it is unlisted, its records are
// refused, and its objects are not dirty.
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
	// DropPrefix refuses writes while it runs rather than wait for them:
	// the store's writers wait for s.mu. It skips a prefix with no live
	// key (a record that waited for its target and moved into its
	// object leaves an older version under 'w'): the scrub after it
	// removes those.
	s.mu.Lock()
	err = s.db.DropPrefix(prefixes...)
	s.mu.Unlock()
	if err != nil {
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
