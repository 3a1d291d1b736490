package store

import (
	"slices"
	"sort"

	"github.com/kith-network/kith/protocol"
)

// maxChunk is the most positions a chunk holds. Big enough that a range
// fingerprint over 100,000 items adds only a few hundred chunk sums; small
// enough that the two partial chunks at a range's edges are cheap to walk
// and an insert moves at most a few KiB.
const maxChunk = 256

// minChunk is the size below which a chunk that lost an item is merged into
// a neighbour, when the two fit in one chunk, so deletes cannot leave a long
// tail of nearly empty chunks.
const minChunk = maxChunk / 4

// chunk is a sorted, non-empty run of positions and the sum of their IDs.
type chunk struct {
	items []protocol.Position
	acc   protocol.Accumulator
}

func (c *chunk) last() protocol.Position { return c.items[len(c.items)-1] }

// search returns the index of the first item >= p, and whether it equals p.
func (c *chunk) search(p protocol.Position) (int, bool) {
	return slices.BinarySearchFunc(c.items, p, protocol.Position.Compare)
}

// sum returns the accumulator of items[i:j], walking whichever is shorter:
// the items inside [i, j) or those outside it (subtracted from the total).
func (c *chunk) sum(i, j int) protocol.Accumulator {
	var acc protocol.Accumulator
	if j-i <= len(c.items)-(j-i) {
		for _, p := range c.items[i:j] {
			acc.Add(p.ID)
		}
		return acc
	}
	acc = c.acc
	for _, p := range c.items[:i] {
		acc.Sub(p.ID)
	}
	for _, p := range c.items[j:] {
		acc.Sub(p.ID)
	}
	return acc
}

// ItemSet is the sorted set of positions of one community's records that
// take part in set reconciliation. It answers the question sync asks most,
// "what is the fingerprint of the items in [lower, upper)?", without
// walking every item: positions live in sorted chunks of at most maxChunk,
// each keeping the sum of its IDs, so a range costs one sum per whole chunk
// plus a walk of the two edge chunks. It is held in memory (about 40–60
// bytes an item) and rebuilt from the store at startup.
//
// An ItemSet is not safe for concurrent use; the store guards it with a
// mutex.
type ItemSet struct {
	chunks []chunk
	n      int
}

// NewItemSet returns an empty set.
func NewItemSet() *ItemSet { return &ItemSet{} }

// Len returns the number of positions in the set.
func (s *ItemSet) Len() int { return s.n }

// locate returns the chunk that holds p or would hold it: the first chunk
// whose last item is >= p, or len(s.chunks) if p is above every item.
func (s *ItemSet) locate(p protocol.Position) int {
	return sort.Search(len(s.chunks), func(i int) bool { return s.chunks[i].last().Compare(p) >= 0 })
}

// seek returns the place of the first item >= p as (chunk, index), with
// chunk == len(s.chunks) if there is none.
func (s *ItemSet) seek(p protocol.Position) (int, int) {
	ci := s.locate(p)
	if ci == len(s.chunks) {
		return ci, 0
	}
	i, _ := s.chunks[ci].search(p)
	return ci, i
}

// Contains reports whether p is in the set.
func (s *ItemSet) Contains(p protocol.Position) bool {
	ci := s.locate(p)
	if ci == len(s.chunks) {
		return false
	}
	_, found := s.chunks[ci].search(p)
	return found
}

// Insert adds p to the set, reporting false if it was already there. A full
// chunk is split in two; an item past the end of a full last chunk starts a
// new chunk instead, so positions loaded in order fill chunks completely.
func (s *ItemSet) Insert(p protocol.Position) bool {
	if len(s.chunks) == 0 {
		s.chunks = append(s.chunks, newChunk([]protocol.Position{p}))
		s.n++
		return true
	}
	ci := min(s.locate(p), len(s.chunks)-1)
	c := &s.chunks[ci]
	i, found := c.search(p)
	if found {
		return false
	}
	if len(c.items) == maxChunk {
		if i == maxChunk {
			ci, i = ci+1, 0
			s.chunks = slices.Insert(s.chunks, ci, newChunk(nil))
		} else {
			s.split(ci)
			if half := len(s.chunks[ci].items); i > half {
				ci, i = ci+1, i-half
			}
		}
		c = &s.chunks[ci]
	}
	c.items = slices.Insert(c.items, i, p)
	c.acc.Add(p.ID)
	s.n++
	return true
}

// newChunk returns a chunk holding a copy of items, with room to grow to
// maxChunk without reallocating.
func newChunk(items []protocol.Position) chunk {
	c := chunk{items: make([]protocol.Position, len(items), maxChunk)}
	copy(c.items, items)
	for _, p := range items {
		c.acc.Add(p.ID)
	}
	return c
}

// split moves the upper half of chunk ci into a new chunk after it.
func (s *ItemSet) split(ci int) {
	c := &s.chunks[ci]
	half := len(c.items) / 2
	upper := newChunk(c.items[half:])
	clear(c.items[half:])
	c.items = c.items[:half]
	c.acc.SubAcc(upper.acc)
	s.chunks = slices.Insert(s.chunks, ci+1, upper)
}

// Delete removes p from the set, reporting false if it was not there. An
// emptied chunk is dropped; a small one is merged into a neighbour that
// has room.
func (s *ItemSet) Delete(p protocol.Position) bool {
	ci := s.locate(p)
	if ci == len(s.chunks) {
		return false
	}
	c := &s.chunks[ci]
	i, found := c.search(p)
	if !found {
		return false
	}
	c.items = slices.Delete(c.items, i, i+1)
	c.acc.Sub(p.ID)
	s.n--
	if len(c.items) == 0 {
		s.chunks = slices.Delete(s.chunks, ci, ci+1)
	} else if len(c.items) < minChunk && !s.merge(ci) {
		s.merge(ci - 1)
	}
	return true
}

// merge appends chunk ci+1 to chunk ci if both exist and together fit in
// one chunk, reporting whether it did.
func (s *ItemSet) merge(ci int) bool {
	if ci < 0 || ci+1 >= len(s.chunks) {
		return false
	}
	a, b := &s.chunks[ci], &s.chunks[ci+1]
	if len(a.items)+len(b.items) > maxChunk {
		return false
	}
	a.items = append(a.items, b.items...)
	a.acc.AddAcc(b.acc)
	s.chunks = slices.Delete(s.chunks, ci+1, ci+2)
	return true
}

// Fingerprint returns the fingerprint and count of the items p with
// lower <= p < upper. An empty or inverted range (lower >= upper) gives the
// empty set's fingerprint and 0. Whole chunks inside the range cost one
// addition each; only the two edge chunks are walked item by item.
func (s *ItemSet) Fingerprint(lower, upper protocol.Position) (protocol.Fingerprint, uint64) {
	acc := s.accumulate(lower, upper)
	return acc.Fingerprint(), acc.Count()
}

func (s *ItemSet) accumulate(lower, upper protocol.Position) protocol.Accumulator {
	var acc protocol.Accumulator
	if lower.Compare(upper) >= 0 {
		return acc
	}
	lc, li := s.seek(lower)
	uc, ui := s.seek(upper)
	if lc == uc {
		if lc < len(s.chunks) {
			acc = s.chunks[lc].sum(li, ui)
		}
		return acc
	}
	// lc < uc, so lc is a real chunk.
	acc = s.chunks[lc].sum(li, len(s.chunks[lc].items))
	for ci := lc + 1; ci < uc; ci++ {
		acc.AddAcc(s.chunks[ci].acc)
	}
	if uc < len(s.chunks) {
		edge := s.chunks[uc].sum(0, ui)
		acc.AddAcc(edge)
	}
	return acc
}

// Range calls fn for each item p with lower <= p < upper, in order, until
// fn returns false. An empty or inverted range calls fn not at all. fn must
// not modify the set.
func (s *ItemSet) Range(lower, upper protocol.Position, fn func(protocol.Position) bool) {
	if lower.Compare(upper) >= 0 {
		return
	}
	ci, i := s.seek(lower)
	for ; ci < len(s.chunks); ci, i = ci+1, 0 {
		for _, p := range s.chunks[ci].items[i:] {
			if p.Compare(upper) >= 0 || !fn(p) {
				return
			}
		}
	}
}

// Split returns up to parts-1 boundaries that cut [lower, upper) into parts
// sub-ranges of about equal count, as sync does when a range's fingerprints
// differ but it holds too many items to list. Each boundary is the shortest
// position (protocol.MinimalBound) between an item and the one before it,
// and opens the next sub-range: the sub-ranges are [lower, b1), [b1, b2),
// ..., [bk, upper). Boundaries are strictly increasing and lie in
// (lower, upper); with fewer items than parts, every item after the first
// starts a sub-range. It returns nil if parts < 2 or the range holds fewer
// than two items.
func (s *ItemSet) Split(lower, upper protocol.Position, parts int) []protocol.Position {
	n := int(s.accumulate(lower, upper).Count())
	parts = min(parts, n)
	if parts < 2 {
		return nil
	}
	out := make([]protocol.Position, 0, parts-1)
	ci, i := s.seek(lower)
	rank := 0 // rank of item (ci, i) within the range
	for k := 1; k < parts; k++ {
		// >= 1 and strictly increasing, as parts <= n; int64 so that k*n
		// cannot overflow a 32-bit int.
		target := int(int64(k) * int64(n) / int64(parts))
		for skip := target - rank; skip > 0; {
			if rest := len(s.chunks[ci].items) - i; skip >= rest {
				skip -= rest
				ci, i = ci+1, 0
			} else {
				i += skip
				skip = 0
			}
		}
		rank = target
		prev := lower
		if i > 0 {
			prev = s.chunks[ci].items[i-1]
		} else if ci > 0 {
			prev = s.chunks[ci-1].last()
		}
		out = append(out, protocol.MinimalBound(prev, s.chunks[ci].items[i]))
	}
	return out
}
