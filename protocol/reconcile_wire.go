package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The wire form of a reconciliation message, compact because it is what
// reconciliation costs: a count of ranges, then per range its upper bound
// (the created time as a signed varint delta from the previous bound, and
// the id without its trailing zero bytes, length-prefixed), its mode, and
// the fingerprint and count, or the listed positions (each a created delta
// and a full id).

// MaxMessageBytes bounds an encoded reconciliation message.
const MaxMessageBytes = 8 << 20

// Encode returns the wire form of m.
func (m Message) Encode() []byte {
	b := binary.AppendUvarint(nil, uint64(len(m.Ranges)))
	prev := int64(0)
	for _, rg := range m.Ranges {
		b = binary.AppendVarint(b, rg.Upper.Created-prev)
		prev = rg.Upper.Created
		id := trimZeros(rg.Upper.ID[:])
		b = append(b, byte(len(id)))
		b = append(b, id...)
		b = append(b, byte(rg.Mode))
		switch rg.Mode {
		case ModeFingerprint:
			b = append(b, rg.Fingerprint[:]...)
			b = binary.AppendUvarint(b, rg.Count)
		case ModeIDList:
			b = binary.AppendUvarint(b, uint64(len(rg.IDs)))
			last := int64(0)
			for _, p := range rg.IDs {
				b = binary.AppendVarint(b, p.Created-last)
				last = p.Created
				b = append(b, p.ID[:]...)
			}
		}
	}
	return b
}

func trimZeros(id []byte) []byte {
	n := len(id)
	for n > 0 && id[n-1] == 0 {
		n--
	}
	return id[:n]
}

// errShort is a message cut short.
var errShort = errors.New("reconciliation message is cut short")

// DecodeMessage parses the wire form of a message and checks it (ranges
// in order, covering everything, within the limits).
func DecodeMessage(b []byte) (Message, error) {
	if len(b) > MaxMessageBytes {
		return Message{}, fmt.Errorf("reconciliation message is %d bytes, the limit is %d", len(b), MaxMessageBytes)
	}
	d := decoder{b: b}
	n := d.uvarint()
	if d.err == nil && (n == 0 || n > MaxRanges) {
		return Message{}, fmt.Errorf("reconciliation message has %d ranges, want 1 to %d", n, MaxRanges)
	}
	var m Message
	prev, listed := int64(0), uint64(0)
	for i := uint64(0); i < n && d.err == nil; i++ {
		var rg Range
		prev += d.varint()
		rg.Upper.Created = prev
		idLen := int(d.byte())
		if idLen > len(rg.Upper.ID) {
			return Message{}, fmt.Errorf("reconciliation bound id of %d bytes", idLen)
		}
		copy(rg.Upper.ID[:], d.bytes(idLen))
		rg.Mode = Mode(d.byte())
		switch rg.Mode {
		case ModeSkip:
		case ModeFingerprint:
			copy(rg.Fingerprint[:], d.bytes(len(rg.Fingerprint)))
			rg.Count = d.uvarint()
		case ModeIDList:
			k := d.uvarint()
			if listed += k; listed > MaxListedIDs {
				return Message{}, fmt.Errorf("reconciliation message lists more than %d ids", MaxListedIDs)
			}
			last := int64(0)
			for j := uint64(0); j < k && d.err == nil; j++ {
				var p Position
				last += d.varint()
				p.Created = last
				copy(p.ID[:], d.bytes(len(p.ID)))
				rg.IDs = append(rg.IDs, p)
			}
		default:
			return Message{}, fmt.Errorf("reconciliation range %d has unknown mode %d", i, rg.Mode)
		}
		m.Ranges = append(m.Ranges, rg)
	}
	if d.err != nil {
		return Message{}, d.err
	}
	if len(d.b) != 0 {
		return Message{}, errors.New("reconciliation message has trailing bytes")
	}
	if err := m.check(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// decoder reads the wire form; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if b := d.bytes(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errShort
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}
