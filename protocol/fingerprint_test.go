package protocol

import (
	"bytes"
	"crypto/sha256"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func randomIDs(rng *rand.Rand, n int) []ID {
	ids := make([]ID, n)
	for i := range ids {
		for j := range ids[i] {
			ids[i][j] = byte(rng.Uint32())
		}
	}
	return ids
}

// bigSum is an independent model of the accumulator: the IDs as
// little-endian integers, summed with math/big and reduced mod 2^256.
func bigSum(ids []ID) [32]byte {
	sum := new(big.Int)
	for _, id := range ids {
		be := slices.Clone(id[:])
		slices.Reverse(be)
		sum.Add(sum, new(big.Int).SetBytes(be))
	}
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	var out [32]byte
	sum.Mod(sum, mod).FillBytes(out[:])
	slices.Reverse(out[:])
	return out
}

func sumBytes(a *Accumulator) [32]byte {
	var out [32]byte
	for i, l := range a.sum {
		for j := range 8 {
			out[8*i+j] = byte(l >> (8 * j))
		}
	}
	return out
}

func TestFingerprintEmptySetKnownAnswer(t *testing.T) {
	h := sha256.Sum256(append(make([]byte, 32), 0x00))
	var want Fingerprint
	copy(want[:], h[:16])
	var a Accumulator
	if got := a.Fingerprint(); got != want {
		t.Fatalf("empty fingerprint = %s, want %s", got, want)
	}
	if got, wantHex := want.String(), "7f9c9e31ac8256ca2f258583df262dbc"; got != wantHex {
		t.Fatalf("String() = %s, want %s", got, wantHex)
	}
}

func TestAccumulatorMatchesBigIntModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 10, 1000} {
		ids := randomIDs(rng, n)
		var a Accumulator
		for _, id := range ids {
			a.Add(id)
		}
		if got, want := sumBytes(&a), bigSum(ids); got != want {
			t.Fatalf("n=%d: sum %x, want %x", n, got, want)
		}
		if a.Count() != uint64(n) {
			t.Fatalf("n=%d: count %d", n, a.Count())
		}
	}
}

func TestAccumulatorAddSubReturnsToZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ids := randomIDs(rng, 500)
	var a Accumulator
	for _, id := range ids {
		a.Add(id)
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids {
		a.Sub(id)
	}
	if a != (Accumulator{}) {
		t.Fatalf("after add and sub: %+v, want zero", a)
	}
	// Sub before Add also cancels: both wrap modulo 2^256 and 2^64.
	a.Sub(ids[0])
	a.Add(ids[0])
	if a != (Accumulator{}) {
		t.Fatalf("sub then add: %+v, want zero", a)
	}
}

func TestFingerprintOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ids := randomIDs(rng, 300)
	var first Fingerprint
	for i := range 20 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		var a Accumulator
		for _, id := range ids {
			a.Add(id)
		}
		fp := a.Fingerprint()
		if i == 0 {
			first = fp
		} else if fp != first {
			t.Fatalf("permutation %d: fingerprint %s, want %s", i, fp, first)
		}
	}
}

func TestAccumulatorCarryAcrossLimbs(t *testing.T) {
	var ones, one ID
	for i := range ones {
		ones[i] = 0xff
	}
	one[0] = 1
	tests := []struct {
		name string
		ids  []ID
	}{
		{"max plus one wraps to zero", []ID{ones, one}},
		{"max plus max", []ID{ones, ones}},
		{"three max", []ID{ones, ones, ones}},
		{"carry out of low limb only", []ID{{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff}, one}},
		{"carry through middle limbs", []ID{{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff, 16: 0xff, 17: 0xff, 18: 0xff, 19: 0xff, 20: 0xff, 21: 0xff, 22: 0xff, 23: 0xff}, one}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Accumulator
			for _, id := range tt.ids {
				a.Add(id)
			}
			if got, want := sumBytes(&a), bigSum(tt.ids); got != want {
				t.Fatalf("sum %x, want %x", got, want)
			}
			for _, id := range slices.Backward(tt.ids) {
				a.Sub(id)
			}
			if a != (Accumulator{}) {
				t.Fatalf("borrow did not undo carry: %+v", a)
			}
		})
	}
	// ones + one is zero mod 2^256, yet differs from the empty set by count.
	var a, empty Accumulator
	a.Add(ones)
	a.Add(one)
	if a.Fingerprint() == empty.Fingerprint() {
		t.Fatal("sum-zero set of two ids has the empty set's fingerprint")
	}
}

func TestAccumulatorAddAccSubAcc(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ids := randomIDs(rng, 400)
	var whole Accumulator
	for _, id := range ids {
		whole.Add(id)
	}
	for _, cut := range []int{0, 1, 137, 399, 400} {
		var left, right Accumulator
		for _, id := range ids[:cut] {
			left.Add(id)
		}
		for _, id := range ids[cut:] {
			right.Add(id)
		}
		joined := left
		joined.AddAcc(right)
		if joined != whole || joined.Fingerprint() != whole.Fingerprint() {
			t.Fatalf("cut %d: left+right != whole", cut)
		}
		rest := whole
		rest.SubAcc(right)
		if rest != left {
			t.Fatalf("cut %d: whole-right != left", cut)
		}
	}
}

func TestAppendVarint(t *testing.T) {
	tests := []struct {
		n    uint64
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x81, 0x00}},
		{300, []byte{0x82, 0x2c}},
		{16383, []byte{0xff, 0x7f}},
		{16384, []byte{0x81, 0x80, 0x00}},
		{1<<64 - 1, []byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
	}
	for _, tt := range tests {
		if got := appendVarint(nil, tt.n); !bytes.Equal(got, tt.want) {
			t.Errorf("appendVarint(%d) = %x, want %x", tt.n, got, tt.want)
		}
	}
}

func TestFingerprintCountAbove127(t *testing.T) {
	// 300 copies of the zero ID: the sum is zero, the count needs two bytes.
	var a Accumulator
	for range 300 {
		a.Add(ID{})
	}
	h := sha256.Sum256(append(make([]byte, 32), 0x82, 0x2c))
	if got := a.Fingerprint(); !bytes.Equal(got[:], h[:16]) {
		t.Fatalf("fingerprint %s, want %x", got, h[:16])
	}
}

func BenchmarkAccumulatorAdd(b *testing.B) {
	ids := randomIDs(rand.New(rand.NewPCG(9, 10)), 1024)
	var a Accumulator
	i := 0
	for b.Loop() {
		a.Add(ids[i&1023])
		i++
	}
}

func BenchmarkAccumulatorFingerprint(b *testing.B) {
	var a Accumulator
	for _, id := range randomIDs(rand.New(rand.NewPCG(11, 12)), 1000) {
		a.Add(id)
	}
	for b.Loop() {
		a.Fingerprint()
	}
}
