package protocol

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attachment limits. A record names its files; the bytes travel apart
// (see the node's blob protocol), so these bound what a record may claim,
// not what a node must fetch: each node has its own, lower size limit.
const (
	MaxAttachments     = 16        // files on one record
	MaxAttachmentBytes = 4 << 30   // what a record may claim one file holds (4 GiB: a chunk list of 128 KiB)
	ChunkSize          = 1 << 20   // files travel and are verified in chunks of this size (the last may be shorter)
	MaxFileNameBytes   = 255       // a file name, as most file systems allow
	MaxMediaTypeBytes  = 127       // "type/subtype", RFC 6838's bound
	HashSize           = len(ID{}) // a SHA-256 hash
)

// Attachment is a file a post, reply, note or event carries: its hash,
// size, name and media type are in the record's body, so its author signs
// them.
//
// Hash is the file's identity and what checks its bytes, chunk by chunk:
// the SHA-256 of the file's size (8 bytes, big-endian) followed by the
// SHA-256 hashes of its ChunkSize chunks (see RootOf). A fetcher gets that
// chunk hash list from any peer, checks it against Hash, then checks every
// chunk against its entry as it arrives, so one bad chunk names the peer
// that sent it, and a file whose every chunk matched is the file the
// author signed: no second pass over the whole file is needed.
type Attachment struct {
	Hash []byte `cbor:"1,keyasint,omitempty"` // RootOf(Size, chunk hashes), 32 bytes
	Size uint64 `cbor:"2,keyasint,omitempty"` // bytes
	Name string `cbor:"3,keyasint,omitempty"` // a file name: no path, no control characters
	Type string `cbor:"4,keyasint,omitempty"` // media type, "type/subtype" in lowercase
}

// FilesOf returns the attachments a body carries (none for kinds that
// carry none, and for a purged record's nil body).
func FilesOf(b Body) []Attachment {
	switch b := b.(type) {
	case *Post:
		return b.Files
	case *Reply:
		return b.Files
	case *Note:
		return b.Files
	case *Event:
		return b.Files
	}
	return nil
}

// ChunkCount returns how many chunks a file of size bytes has (an empty
// file has none).
func ChunkCount(size uint64) int { return int((size + ChunkSize - 1) / ChunkSize) }

// ChunkLen returns the length of chunk i of a file of size bytes (every
// chunk is ChunkSize but the last); i must be below ChunkCount(size).
func ChunkLen(size uint64, i int) int {
	return int(min(size-uint64(i)*ChunkSize, ChunkSize))
}

// RootOf returns the hash of a file of size bytes whose chunks have the
// SHA-256 hashes in list, concatenated. The size is hashed in, so that one
// hash names one file: a record cannot claim another size for it.
func RootOf(size uint64, list []byte) ID {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], size)
	h.Write(n[:])
	h.Write(list)
	return ID(h.Sum(nil))
}

// FileHasher computes what an Attachment says of a file's bytes, as they
// are written to it.
type FileHasher struct {
	chunk   hash.Hash
	inChunk int
	size    uint64
	list    []byte // the chunk hashes so far
}

// NewFileHasher returns a hasher for one file.
func NewFileHasher() *FileHasher {
	return &FileHasher{chunk: sha256.New()}
}

// Write hashes p; it never fails.
func (f *FileHasher) Write(p []byte) (int, error) {
	n := len(p)
	f.size += uint64(n)
	for len(p) > 0 {
		take := min(len(p), ChunkSize-f.inChunk)
		f.chunk.Write(p[:take])
		f.inChunk += take
		p = p[take:]
		if f.inChunk == ChunkSize {
			f.list = f.chunk.Sum(f.list)
			f.chunk.Reset()
			f.inChunk = 0
		}
	}
	return n, nil
}

// Attachment returns the attachment for the bytes written, with name and
// media type, and the chunk hash list (ChunkCount(size) hashes of 32
// bytes) that peers serve for it.
func (f *FileHasher) Attachment(name, mediaType string) (Attachment, []byte) {
	list := f.list
	if f.inChunk > 0 {
		list = f.chunk.Sum(list)
	}
	root := RootOf(f.size, list)
	return Attachment{Hash: root[:], Size: f.size, Name: name, Type: mediaType}, list
}

// CheckChunkList reports whether list is the chunk hash list of a: the
// right number of hashes, which with the size hash to a.Hash.
func (a Attachment) CheckChunkList(list []byte) bool {
	if len(list) != ChunkCount(a.Size)*HashSize {
		return false
	}
	root := RootOf(a.Size, list)
	return string(root[:]) == string(a.Hash)
}

// HashID returns the attachment's hash as an ID-sized value (valid
// attachments have one).
func (a Attachment) HashID() ID {
	var h ID
	copy(h[:], a.Hash)
	return h
}

// Check reports what the protocol would refuse in a, before a record is
// signed with it.
func (a Attachment) Check() error {
	if err := checkAttachments([]Attachment{a}); err != nil {
		return err
	}
	return nil
}

// checkAttachments enforces the attachment rules: at most MaxAttachments,
// each with a 32-byte hash, a size within MaxAttachmentBytes, a safe file
// name (see CheckFileName) and a well-formed media type; no hash twice.
func checkAttachments(as []Attachment) *Error {
	if len(as) > MaxAttachments {
		return fail(RuleAttachment, "%d attachments, the limit is %d", len(as), MaxAttachments)
	}
	for i, a := range as {
		if len(a.Hash) != HashSize {
			return fail(RuleAttachment, "attachment %d: hash is %d bytes, want %d", i+1, len(a.Hash), HashSize)
		}
		if a.Size > MaxAttachmentBytes {
			return fail(RuleAttachment, "attachment %d: size %d is over the limit of %d", i+1, a.Size, uint64(MaxAttachmentBytes))
		}
		if reason := CheckFileName(a.Name); reason != "" {
			return fail(RuleAttachment, "attachment %d: %s", i+1, reason)
		}
		if !ValidMediaType(a.Type) {
			return fail(RuleAttachment, "attachment %d: media type %q is not type/subtype in lowercase", i+1, a.Type)
		}
		for _, prev := range as[:i] {
			if string(prev.Hash) == string(a.Hash) {
				return fail(RuleAttachment, "attachment %d: the same file is attached twice", i+1)
			}
		}
	}
	return nil
}

// CheckFileName says what is wrong with an attachment's file name, or ""
// if nothing is: a name is saved as given on members' disks (kith
// attachment get, the browser's download), so it may hold no path (no '/'
// or '\\', not "." or ".."), no control or bidirectional-override
// characters, no leading or trailing space, and is 1 to MaxFileNameBytes
// bytes of UTF-8.
func CheckFileName(name string) string {
	switch {
	case name == "":
		return "file name is empty"
	case len(name) > MaxFileNameBytes:
		return "file name is longer than 255 bytes"
	case !utf8.ValidString(name):
		return "file name is not UTF-8"
	case name == "." || name == "..":
		return "file name " + name + " is a directory"
	case strings.ContainsAny(name, `/\`):
		return "file name holds a path separator"
	case strings.TrimSpace(name) != name:
		return "file name starts or ends with a space"
	}
	for _, r := range name {
		if unicode.IsControl(r) || isBidiControl(r) {
			return "file name holds a control character"
		}
	}
	return ""
}

// ValidMediaType reports whether t is a media type as attachments carry
// it: "type/subtype" with RFC 6838's restricted name characters, in
// lowercase, and no parameters.
func ValidMediaType(t string) bool {
	if len(t) > MaxMediaTypeBytes {
		return false
	}
	top, sub, ok := strings.Cut(t, "/")
	return ok && restrictedName(top) && restrictedName(sub)
}

func restrictedName(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLowerAlnum(s[i]) && !strings.ContainsRune("!#$&-^_.+", rune(s[i])) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
