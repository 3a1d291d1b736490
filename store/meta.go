package store

import (
	"fmt"

	"github.com/kith-network/kith/protocol"
)

// Meta is what the store knows about a record beyond its bytes: where it
// stands in its community and which object's view it belongs to.
type Meta struct {
	Status  protocol.Status
	Deleted bool // an effective tombstone targets it (its body is purged)
	Hidden  bool // a moderator hides it
	// Object is the object whose view the record is part of. While the
	// record waits for a target that has not arrived, Object.Type is
	// ObjectNone and Object.ID is that target.
	Object protocol.Object
}

// Live reports whether the record is shown: accepted, not deleted, not hidden.
func (m Meta) Live() bool { return m.Status == protocol.StatusAccepted && !m.Deleted && !m.Hidden }

const (
	flagDeleted = 1 << iota
	flagHidden
)

const metaLen = 3 + idLen

func (m Meta) encode() []byte {
	var flags byte
	if m.Deleted {
		flags |= flagDeleted
	}
	if m.Hidden {
		flags |= flagHidden
	}
	b := make([]byte, 0, metaLen)
	b = append(b, byte(m.Status), flags, byte(m.Object.Type))
	return append(b, m.Object.ID[:]...)
}

func decodeMeta(b []byte) (Meta, error) {
	if len(b) != metaLen {
		return Meta{}, fmt.Errorf("record meta is %d bytes, want %d", len(b), metaLen)
	}
	m := Meta{
		Status:  protocol.Status(b[0]),
		Deleted: b[1]&flagDeleted != 0,
		Hidden:  b[1]&flagHidden != 0,
		Object:  protocol.Object{Type: protocol.ObjectType(b[2])},
	}
	copy(m.Object.ID[:], b[3:])
	return m, nil
}

// encodeHome is the value stored at a record's home: meta, then record.
func encodeHome(m Meta, r *protocol.Record) []byte {
	return append(m.encode(), r.Encode()...)
}

// decodeHome reads a home value.
func decodeHome(v []byte) (Entry, error) {
	if len(v) < metaLen {
		return Entry{}, fmt.Errorf("record home is %d bytes", len(v))
	}
	m, err := decodeMeta(v[:metaLen])
	if err != nil {
		return Entry{}, err
	}
	r, err := protocol.Decode(v[metaLen:])
	if err != nil {
		return Entry{}, err
	}
	return Entry{Record: r, Meta: m}, nil
}
