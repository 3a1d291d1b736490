package protocol

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sync/atomic"

	"github.com/fxamacker/cbor/v2"
)

// Domain-separation prefixes: a signature made for one purpose can never be
// replayed as another, nor as a signature of some other protocol that uses
// the same key.
const (
	recordSigPrefix = "kith/record/v1\x00"
	invitePrefix    = "kith/invite/v1\x00"
)

// Record is a signed record. Records are immutable once made: build them
// with Sign, or receive them through Validate.
type Record struct {
	Header Header

	header  []byte // canonical encoding of Header; its SHA-256 is id
	id      ID
	body    []byte // canonical encoding of content; nil once purged
	content Body   // nil once purged, or until first use after Decode
	sig     []byte

	// lazy holds the body decoded on first use, for records read back by
	// Decode: most reads of a stored record never look at its body.
	lazy atomic.Pointer[Body]
}

// envelope is a record on the wire and on disk: the header exactly as
// signed, the body (null once purged) and the signature.
type envelope struct {
	_      struct{} `cbor:",toarray"`
	Header cbor.RawMessage
	Body   []byte
	Sig    []byte
}

// ID is the record's identity, the SHA-256 of its canonical header.
func (r *Record) ID() ID { return r.id }

// Community is the community the record belongs to: its own ID for a
// genesis record, the header's community otherwise.
func (r *Record) Community() ID {
	if r.Header.Kind == KindCommunity {
		return r.id
	}
	return r.Header.Community
}

// Content is the record's decoded body, or nil if the body was purged.
func (r *Record) Content() Body {
	if r.content != nil || r.body == nil {
		return r.content
	}
	if b := r.lazy.Load(); b != nil {
		return *b
	}
	body := newBody(r.Header.Kind)
	if err := decMode.Unmarshal(r.body, body); err != nil {
		// Decode's caller stored these bytes after validating them; if
		// they no longer decode, the store is damaged: show no body.
		body = nil
	}
	r.lazy.Store(&body)
	return body
}

// Purged reports whether the body has been purged (after a tombstone).
func (r *Record) Purged() bool { return r.body == nil }

// Size is about the record's encoded size: its header, body (none once
// purged) and signature, for budgets of what to send or show.
func (r *Record) Size() int { return len(r.header) + len(r.body) + len(r.sig) }

// Signature returns a copy of the author's signature.
func (r *Record) Signature() []byte { return append([]byte(nil), r.sig...) }

// Without returns the same record with its body purged: the header and
// signature still verify, so the record still reconciles.
func (r *Record) Without() *Record {
	return &Record{Header: r.Header, header: r.header, id: r.id, sig: r.sig}
}

// Encode returns the record's wire and storage form.
func (r *Record) Encode() []byte {
	b, err := encMode.Marshal(envelope{Header: r.header, Body: r.body, Sig: r.sig})
	if err != nil {
		// Our own envelope of byte strings always encodes.
		panic(fmt.Sprintf("protocol: encode record envelope: %v", err))
	}
	return b
}

// Sign makes a record of body's kind in community, authored by key at
// created (unix ms), with refs, and checks it with the same rules as
// Validate so that nothing invalid is ever produced. For a genesis
// (community) record, community must be the zero ID.
func Sign(key ed25519.PrivateKey, community ID, created int64, refs Refs, body Body) (*Record, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign record: private key is %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if body == nil {
		return nil, fmt.Errorf("sign record: no body")
	}
	encBody, err := marshal(body)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	h := Header{
		Version:   Version,
		Kind:      body.Kind(),
		Community: community,
		Author:    PublicKeyOf(key),
		Created:   created,
		Root:      refs.Root,
		Parents:   refs.Parents,
		Target:    refs.Target,
		BodyHash:  sha256.Sum256(encBody),
		BodyLen:   uint32(len(encBody)),
	}
	encHeader, err := marshal(&h)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	r := &Record{Header: h, header: encHeader, id: sha256.Sum256(encHeader), body: encBody}
	if err := checkHeader(&r.Header, created); err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	// The body's rules first, whose messages name the field; then the
	// body as peers will check it, decoded from its bytes (content nil),
	// so that what the decoder refuses (a string that is not UTF-8, in
	// any field) is refused here rather than signed, stored, and refused
	// by every peer.
	if err := body.check(&r.Header); err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	if err := checkBody(r); err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	r.sig = ed25519.Sign(key, signedMessage(r.id))
	return r, nil
}

// InviteProof is what a joiner puts in a Join: the invite's private key
// signing the community and the joining member's key.
func InviteProof(inviteKey ed25519.PrivateKey, community ID, member PublicKey) []byte {
	return ed25519.Sign(inviteKey, inviteMessage(community, member))
}

func signedMessage(id ID) []byte {
	msg := make([]byte, 0, len(recordSigPrefix)+len(id))
	msg = append(msg, recordSigPrefix...)
	return append(msg, id[:]...)
}

func inviteMessage(community ID, member PublicKey) []byte {
	msg := make([]byte, 0, len(invitePrefix)+len(community)+len(member))
	msg = append(msg, invitePrefix...)
	msg = append(msg, community[:]...)
	return append(msg, member[:]...)
}
