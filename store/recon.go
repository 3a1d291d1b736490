package store

import (
	"github.com/kith-network/kith/protocol"
)

// The reconciliation set of a community is its accepted records: pending
// and removed records are kept but not forwarded, so they take no part.
// It is held in memory (about 40 bytes a record) as an ItemSet, rebuilt
// from the community order index on Open and kept current by ingest and
// view refreshes.

// Fingerprint returns the fingerprint and count of a community's accepted
// records with lower <= position < upper.
func (s *Store) Fingerprint(community protocol.ID, lower, upper protocol.Position) (protocol.Fingerprint, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.communities[community]
	if c == nil {
		var empty protocol.Accumulator
		return empty.Fingerprint(), 0
	}
	return c.items.Fingerprint(lower, upper)
}

// RangePositions calls fn, in order, for the positions of a community's
// accepted records with lower <= position < upper, until fn returns false.
// The store is locked meanwhile: fn must not call back into it.
func (s *Store) RangePositions(community protocol.ID, lower, upper protocol.Position, fn func(protocol.Position) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.communities[community]; c != nil {
		c.items.Range(lower, upper, fn)
	}
}

// Positions returns, in order, the positions of a community's accepted
// records with lower <= position < upper, at most limit of them.
func (s *Store) Positions(community protocol.ID, lower, upper protocol.Position, limit int) []protocol.Position {
	var out []protocol.Position
	s.RangePositions(community, lower, upper, func(p protocol.Position) bool {
		if len(out) == limit {
			return false
		}
		out = append(out, p)
		return true
	})
	return out
}

// SplitRange returns up to parts-1 positions that cut a community's
// accepted records in [lower, upper) into ranges of about equal count.
func (s *Store) SplitRange(community protocol.ID, lower, upper protocol.Position, parts int) []protocol.Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.communities[community]
	if c == nil {
		return nil
	}
	return c.items.Split(lower, upper, parts)
}
