package protocol

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
)

// Accumulator sums a set of record IDs for range-based set reconciliation,
// in the manner of Negentropy. Each ID is read as a 256-bit little-endian
// unsigned integer and the sum is kept modulo 2^256, alongside the number of
// IDs added. Addition is commutative and has an inverse, so a set's sum does
// not depend on insertion order and an ID can be removed in O(1) with Sub.
//
// The zero Accumulator is the empty set. Count wraps modulo 2^64 like the
// sum, so Sub of an ID never added is undone by adding it back.
type Accumulator struct {
	sum   [4]uint64 // little-endian limbs: sum[0] holds bytes 0..7 of the LE number
	count uint64
}

// limbs reads id as four little-endian 64-bit limbs.
func limbs(id *ID) [4]uint64 {
	return [4]uint64{
		binary.LittleEndian.Uint64(id[0:8]),
		binary.LittleEndian.Uint64(id[8:16]),
		binary.LittleEndian.Uint64(id[16:24]),
		binary.LittleEndian.Uint64(id[24:32]),
	}
}

func (a *Accumulator) add(x [4]uint64, n uint64) {
	var c uint64
	a.sum[0], c = bits.Add64(a.sum[0], x[0], 0)
	a.sum[1], c = bits.Add64(a.sum[1], x[1], c)
	a.sum[2], c = bits.Add64(a.sum[2], x[2], c)
	a.sum[3], _ = bits.Add64(a.sum[3], x[3], c)
	a.count += n
}

func (a *Accumulator) sub(x [4]uint64, n uint64) {
	var b uint64
	a.sum[0], b = bits.Sub64(a.sum[0], x[0], 0)
	a.sum[1], b = bits.Sub64(a.sum[1], x[1], b)
	a.sum[2], b = bits.Sub64(a.sum[2], x[2], b)
	a.sum[3], _ = bits.Sub64(a.sum[3], x[3], b)
	a.count -= n
}

// Add adds id to the set.
func (a *Accumulator) Add(id ID) { a.add(limbs(&id), 1) }

// Sub removes id from the set; it is the exact inverse of Add.
func (a *Accumulator) Sub(id ID) { a.sub(limbs(&id), 1) }

// AddAcc adds every ID summed in other, as if each were added in turn.
func (a *Accumulator) AddAcc(other Accumulator) { a.add(other.sum, other.count) }

// SubAcc removes every ID summed in other; the inverse of AddAcc.
func (a *Accumulator) SubAcc(other Accumulator) { a.sub(other.sum, other.count) }

// Count returns the number of IDs in the set.
func (a Accumulator) Count() uint64 { return a.count }

// Fingerprint returns the fingerprint of the set summed so far.
func (a Accumulator) Fingerprint() Fingerprint {
	var buf [32 + 10]byte
	for i, l := range a.sum {
		binary.LittleEndian.PutUint64(buf[8*i:], l)
	}
	msg := appendVarint(buf[:32], a.count)
	h := sha256.Sum256(msg)
	var fp Fingerprint
	copy(fp[:], h[:])
	return fp
}

// appendVarint appends n as Negentropy encodes integers: base-128 digits,
// most significant first, the high bit set on every byte but the last.
// (This is not LEB128, which puts the least significant digit first; the
// two agree below 128.)
func appendVarint(dst []byte, n uint64) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(n & 0x7f)
	for n >>= 7; n > 0; n >>= 7 {
		i--
		tmp[i] = byte(n&0x7f) | 0x80
	}
	return append(dst, tmp[i:]...)
}

// Fingerprint summarises a set of record IDs in 16 bytes, so two peers can
// tell whether they hold the same records in a range without listing them.
// It is the first 16 bytes of SHA-256(sum || count), where sum is the
// 32-byte little-endian sum of the IDs modulo 2^256 and count is the number
// of IDs as a varint, as in Negentropy.
//
// Because addition is order-independent, every node computes the same
// fingerprint for the same set of IDs whatever order it stored or received
// them in. The count is hashed too so that sets whose sums collide trivially
// (the empty set and a set whose IDs sum to zero, say) still differ.
type Fingerprint [16]byte

// String returns the lowercase hex form of the fingerprint.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }
