package protocol_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// reconcile runs a client over a and a server over b to the end, through
// the wire encoding, and returns the client, the round trips (client
// messages sent) and the bytes exchanged both ways.
func reconcile(t testing.TB, a, b protocol.Set) (*protocol.Reconciler, int, int) {
	t.Helper()
	client, server := protocol.NewClient(a), protocol.NewServer(b)
	msg := client.Initiate()
	trips, bytes := 0, 0
	wire := func(m protocol.Message) protocol.Message {
		enc := m.Encode()
		bytes += len(enc)
		dec, err := protocol.DecodeMessage(enc)
		if err != nil {
			t.Fatalf("decode a message we encoded: %v", err)
		}
		return dec
	}
	for {
		trips++
		if trips > 40 {
			t.Fatal("reconciliation does not end")
		}
		reply, done, err := server.Process(wire(msg))
		if err != nil {
			t.Fatalf("server: %v", err)
		}
		if done {
			break
		}
		msg, done, err = client.Process(wire(reply))
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		if done {
			break
		}
	}
	return client, trips, bytes
}

// position makes a random position; created times are drawn from a small
// range so that many items share a timestamp.
func position(rng *rand.Rand, spread int64) protocol.Position {
	var id protocol.ID
	binary.LittleEndian.PutUint64(id[:], rng.Uint64())
	id = sha256.Sum256(id[:])
	return protocol.Position{Created: 1_700_000_000_000 + rng.Int64N(spread), ID: id}
}

func difference(a, b map[protocol.Position]bool) []protocol.Position {
	var out []protocol.Position
	for p := range a {
		if !b[p] {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, protocol.Position.Compare)
	return out
}

func sorted(ps []protocol.Position) []protocol.Position {
	out := slices.Clone(ps)
	slices.SortFunc(out, protocol.Position.Compare)
	return out
}

// TestReconcileAgainstBruteForce: for random sets A and B, the client ends
// knowing exactly B \ A (Need) and A \ B (Have), so both can end with
// A ∪ B.
func TestReconcileAgainstBruteForce(t *testing.T) {
	cases := []struct {
		common, onlyA, onlyB int
		spread               int64
	}{
		{0, 0, 0, 1000},
		{0, 1, 0, 1000},
		{0, 0, 1, 1000},
		{0, 500, 700, 10},
		{1000, 0, 0, 1000},
		{1000, 10, 10, 5},
		{10_000, 1, 0, 100_000},
		{10_000, 100, 100, 3},
		{10_000, 5000, 5000, 1_000_000},
		{100_000, 10, 10, 100_000_000},
		{100_000, 5, 5, 100_000_000},
		{100_000, 0, 0, 100_000_000},
		{50_000, 50_000, 0, 100_000_000},
		{1, 0, 250_000, 100_000_000},     // a fresh node and a community larger than one message can list
		{0, 60_000, 60_000, 100_000_000}, // two large disjoint sets: many ranges differ at every level
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d+%d+%d", tc.common, tc.onlyA, tc.onlyB), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			a, b := store.NewItemSet(), store.NewItemSet()
			inA, inB := make(map[protocol.Position]bool), make(map[protocol.Position]bool)
			add := func(set *store.ItemSet, in map[protocol.Position]bool, p protocol.Position) {
				set.Insert(p)
				in[p] = true
			}
			for range tc.common {
				p := position(rng, tc.spread)
				add(a, inA, p)
				add(b, inB, p)
			}
			for range tc.onlyA {
				add(a, inA, position(rng, tc.spread))
			}
			for range tc.onlyB {
				add(b, inB, position(rng, tc.spread))
			}
			c, trips, bytes := reconcile(t, a, b)
			if got, want := sorted(c.Need), difference(inB, inA); !slices.Equal(got, want) {
				t.Fatalf("need %d items, brute force says %d", len(got), len(want))
			}
			if got, want := sorted(c.Have), difference(inA, inB); !slices.Equal(got, want) {
				t.Fatalf("have %d items, brute force says %d", len(got), len(want))
			}
			t.Logf("A=%d B=%d: %d round trips, %d bytes", a.Len(), b.Len(), trips, bytes)
		})
	}
}

// FuzzDecodeMessage feeds hostile reconciliation messages to the decoder
// and, when one decodes, to both sides.
func FuzzDecodeMessage(f *testing.F) {
	set := store.NewItemSet()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		set.Insert(position(rng, 1000))
	}
	f.Add(protocol.NewClient(set).Initiate().Encode())
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.DecodeMessage(data)
		if err != nil {
			return
		}
		for _, side := range []*protocol.Reconciler{protocol.NewClient(set), protocol.NewServer(set)} {
			if _, _, err := side.Process(m); err != nil {
				t.Fatalf("a decoded message was refused: %v", err)
			}
		}
	})
}

// BenchmarkReconcile100k reconciles two sets of 100,000 items that differ
// by 10 (5 on each side), with the differences spread at random or all
// among the newest items, and reports round trips and bytes. One op is a
// whole reconciliation, both sides, through the wire encoding.
func BenchmarkReconcile100k(b *testing.B) {
	for _, newest := range []bool{false, true} {
		name := "spread"
		if newest {
			name = "newest"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 5))
			a, c := store.NewItemSet(), store.NewItemSet()
			for range 100_000 - 5 {
				p := position(rng, 100_000_000)
				a.Insert(p)
				c.Insert(p)
			}
			for i := range 10 {
				p := position(rng, 100_000_000)
				if newest {
					p.Created = 1_700_000_000_000 + 100_000_000 + int64(i)
				}
				if i%2 == 0 {
					a.Insert(p)
				} else {
					c.Insert(p)
				}
			}
			var trips, bytes int
			for b.Loop() {
				client, tr, by := reconcile(b, a, c)
				if len(client.Need) != 5 || len(client.Have) != 5 {
					b.Fatalf("found %d + %d differences, want 5 + 5", len(client.Need), len(client.Have))
				}
				trips, bytes = tr, by
			}
			b.ReportMetric(float64(trips), "round-trips")
			b.ReportMetric(float64(bytes), "bytes")
		})
	}
}
