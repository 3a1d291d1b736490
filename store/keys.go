package store

import (
	"encoding/binary"

	"github.com/kith-network/kith/protocol"
)

// The key space. Every key starts with one byte naming its table; keys that
// belong to a community continue with its 32-byte ID, so one community's
// entries of a table are one prefix. Positions are encoded so that byte
// order is (created, id) order: 8 bytes of created (sign bit flipped, big
// endian) and the 32-byte ID.
//
//	'F'                                format version (uint32)
//	'I'                                this store's identity (16 random bytes, made with it)
//	'g' community                      a community this store holds records of
//	'r' id                             where the record lives: the key of its home
//	'o' community type objID pos       home of a record of an object (thread, note, event, member,
//	                                   control): its meta, then the record as encoded on the wire
//	                                   (body dropped once purged); one scan reads a whole object
//	'w' community target id            home of a record whose object is unknown until target arrives
//	'c' community pos                  every record in community order; value: status
//	'a' community author pos           records by author
//	'k' community kind pos             records by kind
//	't' community len tag pos          records by tag (tag length-prefixed, so "go" is not a prefix of "golang")
//	'f' community hash pos             records naming a file (attachments), while their body is kept
//	'd' community type objID           an object whose view must be refreshed (written with the records)
//	'v' community type objID           an object's view
//	'T' community ^created postID      live threads, newest first
//	'A' community ^activity postID     live threads, most recently active first
//	'N' community ^updated noteID      live notes, most recently updated first
//	'E' community start eventID        live events by start time
//	'P' community threadID noteID      live notes promoted from a thread (format 2)
//	'l' community id                   a record whose body a deletion purged, and that is not deleted
//	                                   now (the deletion no longer holds: its moderator's role was
//	                                   revoked before it), or that came purged: its body is asked of
//	                                   peers (format 3)
//	'R' community author target pos    reactions by author and the record they react to (format 4):
//	                                   a page shows which the member gave without reading its object
const (
	tFormat    = 'F'
	tIdentity  = 'I'
	tCommunity = 'g'
	tRecord    = 'r'
	tOrder     = 'c'
	tObject    = 'o'
	tWaiting   = 'w'
	tAuthor    = 'a'
	tKind      = 'k'
	tTag       = 't'
	tFile      = 'f'
	tDirty     = 'd'
	tView      = 'v'
	tThreads   = 'T'
	tActive    = 'A'
	tNotes     = 'N'
	tEvents    = 'E'
	tPromoted  = 'P'
	tLost      = 'l'
	tReacts    = 'R'
	tScrub     = 0xff // a marker written and dropped at once, to flush the memtables
	tScrubDue  = 0xfe // present from a purge until the scrub after it: a crash between them scrubs at the next start
)

const (
	idLen  = 32
	posLen = 8 + idLen
)

// key concatenates a table byte and parts.
func key(table byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, table)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// encodeTime maps a signed time to bytes that sort in numeric order.
func encodeTime(ms int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(ms)^(1<<63))
}

func decodeTime(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// encodeDesc maps a time to bytes that sort newest first.
func encodeDesc(ms int64) []byte {
	return binary.BigEndian.AppendUint64(nil, ^(uint64(ms) ^ (1 << 63)))
}

// decodeDesc reads what encodeDesc wrote.
func decodeDesc(b []byte) int64 {
	return decodeTime(binary.BigEndian.AppendUint64(nil, ^binary.BigEndian.Uint64(b)))
}

func encodePos(p protocol.Position) []byte { return append(encodeTime(p.Created), p.ID[:]...) }

// decodePos reads a position from the last posLen bytes of a key.
func decodePos(k []byte) protocol.Position {
	tail := k[len(k)-posLen:]
	var id protocol.ID
	copy(id[:], tail[8:])
	return protocol.Position{Created: decodeTime(tail[:8]), ID: id}
}

// lastID reads the ID in the last idLen bytes of a key.
func lastID(k []byte) protocol.ID {
	var id protocol.ID
	copy(id[:], k[len(k)-idLen:])
	return id
}

func objectKey(table byte, community protocol.ID, obj protocol.Object) []byte {
	return key(table, community[:], []byte{byte(obj.Type)}, obj.ID[:])
}

func tagKey(community protocol.ID, tag string) []byte {
	return key(tTag, community[:], binary.BigEndian.AppendUint16(nil, uint16(len(tag))), []byte(tag))
}

// homeKey is where a record and its meta live: in its object, or, while
// its object is unknown, under the target it waits for (kept in
// Meta.Object.ID).
func homeKey(r *protocol.Record, m Meta) []byte {
	c, id := r.Community(), r.ID()
	if m.Object.Type == protocol.ObjectNone {
		return key(tWaiting, c[:], m.Object.ID[:], id[:])
	}
	return append(objectKey(tObject, c, m.Object), encodePos(protocol.PositionOf(r))...)
}

// recordKeys are the index keys a record has whatever its status: the
// consistency check expects exactly these (plus its pointer and home).
func recordKeys(r *protocol.Record) [][]byte {
	c := r.Community()
	h := r.Header
	pos := encodePos(protocol.PositionOf(r))
	keys := [][]byte{
		key(tOrder, c[:], pos),
		key(tAuthor, c[:], h.Author[:], pos),
		key(tKind, c[:], []byte{byte(h.Kind)}, pos),
	}
	if h.Kind == protocol.KindReact {
		keys = append(keys, append(reactsKey(c, h.Author, h.Target), pos...))
	}
	return append(keys, bodyKeys(r)...)
}

// reactsKey is the prefix of the reactions author gave target.
func reactsKey(community protocol.ID, author protocol.PublicKey, target protocol.ID) []byte {
	return key(tReacts, community[:], author[:], target[:])
}

// bodyKeys are the index keys a record's body makes (tags, files): they go
// when a tombstone purges the body.
func bodyKeys(r *protocol.Record) [][]byte {
	c := r.Community()
	pos := encodePos(protocol.PositionOf(r))
	var keys [][]byte
	for _, tag := range recordTags(r) {
		keys = append(keys, append(tagKey(c, tag), pos...))
	}
	for _, f := range protocol.FilesOf(r.Content()) {
		keys = append(keys, key(tFile, c[:], f.Hash, pos))
	}
	return keys
}

// lostKey marks r as held without its body although it is not deleted.
func lostKey(r *protocol.Record) []byte {
	c, id := r.Community(), r.ID()
	return key(tLost, c[:], id[:])
}

// recordTags returns the tags a record is indexed under.
func recordTags(r *protocol.Record) []string {
	switch b := r.Content().(type) {
	case *protocol.Post:
		return b.Tags
	case *protocol.Note:
		return b.Tags
	case *protocol.Event:
		return b.Tags
	case *protocol.Profile:
		return b.Expertise
	}
	return nil
}
