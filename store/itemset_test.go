package store

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// model is the brute-force reference: a plain sorted slice.
type model []protocol.Position

func (m *model) insert(p protocol.Position) bool {
	i, found := slices.BinarySearchFunc(*m, p, protocol.Position.Compare)
	if !found {
		*m = slices.Insert(*m, i, p)
	}
	return !found
}

func (m *model) delete(p protocol.Position) bool {
	i, found := slices.BinarySearchFunc(*m, p, protocol.Position.Compare)
	if found {
		*m = slices.Delete(*m, i, i+1)
	}
	return found
}

func (m model) within(lower, upper protocol.Position) []protocol.Position {
	var out []protocol.Position
	for _, p := range m {
		if lower.Compare(p) <= 0 && p.Compare(upper) < 0 {
			out = append(out, p)
		}
	}
	return out
}

func fingerprintOf(ps []protocol.Position) (protocol.Fingerprint, uint64) {
	var acc protocol.Accumulator
	for _, p := range ps {
		acc.Add(p.ID)
	}
	return acc.Fingerprint(), acc.Count()
}

// randomPosition draws from a small space of times and IDs, so that
// collisions, ties on Created and duplicate inserts are common.
func randomPosition(rng *rand.Rand) protocol.Position {
	p := protocol.Position{Created: rng.Int64N(50)}
	p.ID[0] = byte(rng.IntN(8))
	p.ID[31] = byte(rng.IntN(256))
	if rng.IntN(4) == 0 {
		for i := range p.ID {
			p.ID[i] = byte(rng.Uint32())
		}
	}
	return p
}

// next returns the smallest position above p.
func next(p protocol.Position) protocol.Position {
	for i := len(p.ID) - 1; i >= 0; i-- {
		p.ID[i]++
		if p.ID[i] != 0 {
			return p
		}
	}
	p.Created++
	return p
}

// bounds returns interesting range ends: extremes, random positions, items
// in the set and the edges of its chunks.
func bounds(rng *rand.Rand, s *ItemSet, m model) []protocol.Position {
	out := []protocol.Position{{}, protocol.MaxPosition, {Created: 25}}
	for range 20 {
		out = append(out, randomPosition(rng))
	}
	for range 10 {
		if len(m) > 0 {
			p := m[rng.IntN(len(m))]
			out = append(out, p, next(p))
		}
	}
	for _, c := range s.chunks {
		out = append(out, c.items[0], c.last(), next(c.last()))
	}
	return out
}

// checkInvariants verifies the chunk structure itself.
func checkInvariants(t *testing.T, s *ItemSet) {
	t.Helper()
	total := 0
	var prev *protocol.Position
	for ci, c := range s.chunks {
		if len(c.items) == 0 || len(c.items) > maxChunk {
			t.Fatalf("chunk %d has %d items", ci, len(c.items))
		}
		var acc protocol.Accumulator
		for i, p := range c.items {
			if prev != nil && prev.Compare(p) >= 0 {
				t.Fatalf("chunk %d item %d out of order", ci, i)
			}
			prev = &c.items[i]
			acc.Add(p.ID)
		}
		if acc != c.acc {
			t.Fatalf("chunk %d accumulator is stale", ci)
		}
		total += len(c.items)
	}
	if total != s.Len() {
		t.Fatalf("Len() = %d, chunks hold %d", s.Len(), total)
	}
}

func compare(t *testing.T, rng *rand.Rand, s *ItemSet, m model) {
	t.Helper()
	checkInvariants(t, s)
	if s.Len() != len(m) {
		t.Fatalf("Len() = %d, want %d", s.Len(), len(m))
	}
	bs := bounds(rng, s, m)
	for range 200 {
		lower, upper := bs[rng.IntN(len(bs))], bs[rng.IntN(len(bs))]
		want := m.within(lower, upper)
		var got []protocol.Position
		s.Range(lower, upper, func(p protocol.Position) bool { got = append(got, p); return true })
		if !slices.Equal(got, want) {
			t.Fatalf("Range(%v, %v): %d items, want %d", lower, upper, len(got), len(want))
		}
		wantFP, wantN := fingerprintOf(want)
		if fp, n := s.Fingerprint(lower, upper); fp != wantFP || n != wantN {
			t.Fatalf("Fingerprint(%v, %v) = %s/%d, want %s/%d", lower, upper, fp, n, wantFP, wantN)
		}
		checkSplit(t, s, lower, upper, len(want), 1+rng.IntN(20))
	}
}

func checkSplit(t *testing.T, s *ItemSet, lower, upper protocol.Position, n, parts int) {
	t.Helper()
	bs := s.Split(lower, upper, parts)
	if want := min(parts, n) - 1; len(bs) != max(want, 0) {
		t.Fatalf("Split(%d items, %d parts): %d boundaries, want %d", n, parts, len(bs), max(want, 0))
	}
	if len(bs) == 0 {
		return
	}
	edges := append(append([]protocol.Position{lower}, bs...), upper)
	lo, hi := n, 0
	for i := 1; i < len(edges); i++ {
		if edges[i-1].Compare(edges[i]) >= 0 {
			t.Fatalf("Split boundaries not strictly increasing inside the range: %v", edges)
		}
		if i < len(edges)-1 {
			// The boundary is the minimal bound between two neighbouring items.
			var prev, next protocol.Position
			prev = lower
			s.Range(lower, edges[i], func(p protocol.Position) bool { prev = p; return true })
			s.Range(edges[i], upper, func(p protocol.Position) bool { next = p; return false })
			if want := protocol.MinimalBound(prev, next); edges[i] != want {
				t.Fatalf("boundary %v is not the minimal bound %v between neighbours", edges[i], want)
			}
		}
		_, c := s.Fingerprint(edges[i-1], edges[i])
		lo, hi = min(lo, int(c)), max(hi, int(c))
	}
	if hi-lo > 1 {
		t.Fatalf("Split(%d items, %d parts): sub-range counts from %d to %d", n, parts, lo, hi)
	}
}

func TestItemSetAgainstModel(t *testing.T) {
	tests := []struct {
		seed    uint64
		batches int
		ops     int
		pInsert int // percent of ops that insert
	}{
		{seed: 1, batches: 10, ops: 500, pInsert: 80},
		{seed: 2, batches: 10, ops: 500, pInsert: 60},
		{seed: 3, batches: 20, ops: 300, pInsert: 50},
		{seed: 4, batches: 8, ops: 1000, pInsert: 90},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("seed", tt.seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tt.seed, 42))
			s, m := NewItemSet(), model{}
			compare(t, rng, s, m) // empty set
			for b := range tt.batches {
				// Grow for the first half, then mostly shrink, so chunks
				// split, merge and empty out.
				pInsert := tt.pInsert
				if b >= tt.batches/2 {
					pInsert = 100 - pInsert
				}
				for range tt.ops {
					p := randomPosition(rng)
					if len(m) > 0 && rng.IntN(2) == 0 {
						p = m[rng.IntN(len(m))] // an existing item
					}
					if rng.IntN(100) < pInsert {
						if got, want := s.Insert(p), m.insert(p); got != want {
							t.Fatalf("Insert(%v) = %v, want %v", p, got, want)
						}
					} else if got, want := s.Delete(p), m.delete(p); got != want {
						t.Fatalf("Delete(%v) = %v, want %v", p, got, want)
					}
					if s.Contains(p) != slices.ContainsFunc(m, func(q protocol.Position) bool { return q == p }) {
						t.Fatalf("Contains(%v) disagrees with model", p)
					}
				}
				compare(t, rng, s, m)
			}
		})
	}
}

func TestItemSetSequentialAndEmptyOut(t *testing.T) {
	s, m := NewItemSet(), model{}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 3000 { // in order: the append path fills chunks
		p := protocol.Position{Created: int64(i / 3), ID: protocol.ID{byte(i % 3)}}
		s.Insert(p)
		m.insert(p)
	}
	if len(s.chunks) != (3000+maxChunk-1)/maxChunk {
		t.Errorf("in-order load used %d chunks, want full chunks", len(s.chunks))
	}
	compare(t, rng, s, m)
	for i := 2999; i >= 0; i -= 2 {
		p := protocol.Position{Created: int64(i / 3), ID: protocol.ID{byte(i % 3)}}
		if !s.Delete(p) || s.Delete(p) {
			t.Fatalf("Delete(%v) twice: want true then false", p)
		}
		m.delete(p)
	}
	compare(t, rng, s, m)
	for _, p := range slices.Clone(m) {
		s.Delete(p)
		m.delete(p)
	}
	compare(t, rng, s, m)
	if len(s.chunks) != 0 {
		t.Fatalf("empty set keeps %d chunks", len(s.chunks))
	}
}

func TestItemSetMergesOnlyWhenRoom(t *testing.T) {
	s, m := NewItemSet(), model{}
	for i := range 3 * maxChunk { // three full chunks
		p := protocol.Position{Created: int64(i)}
		s.Insert(p)
		m.insert(p)
	}
	// Shrink the middle chunk below minChunk: both neighbours are full,
	// so it must stay on its own, then vanish when emptied.
	for i := maxChunk; i < 2*maxChunk; i++ {
		p := protocol.Position{Created: int64(i)}
		s.Delete(p)
		m.delete(p)
		checkInvariants(t, s)
		if want := 3; i < 2*maxChunk-1 && len(s.chunks) != want {
			t.Fatalf("after deleting %d: %d chunks, want %d", i, len(s.chunks), want)
		}
	}
	if len(s.chunks) != 2 {
		t.Fatalf("emptied chunk kept: %d chunks", len(s.chunks))
	}
	compare(t, rand.New(rand.NewPCG(5, 5)), s, m)
}

func TestItemSetEdgeCases(t *testing.T) {
	s := NewItemSet()
	a := protocol.Position{Created: 10, ID: protocol.ID{1}}
	b := protocol.Position{Created: 20, ID: protocol.ID{2}}
	empty, _ := fingerprintOf(nil)
	if !s.Insert(a) || s.Insert(a) || !s.Insert(b) {
		t.Fatal("Insert: want true, false for a duplicate, true")
	}
	tests := []struct {
		name         string
		lower, upper protocol.Position
		want         uint64
	}{
		{"everything", protocol.Position{}, protocol.MaxPosition, 2},
		{"lower == upper", a, a, 0},
		{"lower > upper", b, a, 0},
		{"fully inverted", protocol.MaxPosition, protocol.Position{}, 0},
		{"upper excluded", a, b, 1},
		{"between items", next(a), b, 0},
		{"above all", next(b), protocol.MaxPosition, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp, n := s.Fingerprint(tt.lower, tt.upper)
			if n != tt.want || (n == 0 && fp != empty) {
				t.Fatalf("Fingerprint = %s/%d, want count %d", fp, n, tt.want)
			}
			s.Range(tt.lower, tt.upper, func(protocol.Position) bool { n--; return true })
			if n != 0 {
				t.Fatal("Range and Fingerprint disagree on the count")
			}
		})
	}
	calls := 0
	s.Range(protocol.Position{}, protocol.MaxPosition, func(protocol.Position) bool { calls++; return false })
	if calls != 1 {
		t.Fatalf("Range kept going after fn returned false: %d calls", calls)
	}
	for _, parts := range []int{-1, 0, 1} {
		if bs := s.Split(protocol.Position{}, protocol.MaxPosition, parts); bs != nil {
			t.Fatalf("Split(parts=%d) = %v, want nil", parts, bs)
		}
	}
	if bs := s.Split(protocol.Position{}, protocol.MaxPosition, 1<<62); len(bs) != 1 || bs[0] != protocol.MinimalBound(a, b) {
		t.Fatalf("Split(huge parts) = %v, want [b]", bs)
	}
	if bs := s.Split(b, a, 4); bs != nil {
		t.Fatalf("Split(inverted) = %v, want nil", bs)
	}
	if s.Delete(protocol.Position{Created: 15}) || s.Contains(protocol.Position{Created: 15}) {
		t.Fatal("absent item reported present")
	}
}

// TestItemSetMemory checks the memory cost stays at tens of bytes an item.
func TestItemSetMemory(t *testing.T) {
	for _, order := range []string{"sorted", "random"} {
		ps := positions(100_000, 1)
		if order == "sorted" {
			slices.SortFunc(ps, protocol.Position.Compare)
		}
		before := heap()
		s := NewItemSet()
		for _, p := range ps {
			s.Insert(p)
		}
		perItem := float64(heap()-before) / float64(s.Len())
		runtime.KeepAlive(s)
		runtime.KeepAlive(ps)
		t.Logf("%s inserts: %.1f bytes an item", order, perItem)
		if perItem > 80 {
			t.Errorf("%s inserts: %.1f bytes an item, want at most 80", order, perItem)
		}
	}
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// positions returns n random positions over about a year of timestamps.
func positions(n int, seed uint64) []protocol.Position {
	rng := rand.New(rand.NewPCG(seed, 7))
	ps := make([]protocol.Position, n)
	for i := range ps {
		ps[i].Created = 1_780_000_000_000 + rng.Int64N(365*24*3600*1000)
		for j := range ps[i].ID {
			ps[i].ID[j] = byte(rng.Uint32())
		}
	}
	return ps
}

func BenchmarkItemSetFingerprint100k(b *testing.B) {
	ps := positions(100_000, 2)
	s := NewItemSet()
	for _, p := range ps {
		s.Insert(p)
	}
	sorted := slices.SortedFunc(slices.Values(ps), protocol.Position.Compare)
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if _, n := s.Fingerprint(protocol.Position{}, protocol.MaxPosition); n != 100_000 {
				b.Fatal(n)
			}
		}
	})
	b.Run("random", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 3))
		for b.Loop() {
			i, j := rng.IntN(len(sorted)), rng.IntN(len(sorted))
			s.Fingerprint(sorted[min(i, j)], sorted[max(i, j)])
		}
	})
	// Split of the full range into 16, as sync does for a mismatch.
	b.Run("split16", func(b *testing.B) {
		for b.Loop() {
			s.Split(protocol.Position{}, protocol.MaxPosition, 16)
		}
	})
}

func BenchmarkItemSetInsert(b *testing.B) {
	for _, order := range []string{"random", "sorted"} {
		b.Run(order, func(b *testing.B) {
			ps := positions(100_000, 4)
			if order == "sorted" {
				slices.SortFunc(ps, protocol.Position.Compare)
			}
			s := NewItemSet()
			i := 0
			for b.Loop() {
				if i == len(ps) {
					b.StopTimer()
					s, i = NewItemSet(), 0
					b.StartTimer()
				}
				s.Insert(ps[i])
				i++
			}
		})
	}
}
