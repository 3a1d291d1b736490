package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"time"
)

// Validate is the one gate for records from anywhere (network, file, UI,
// the store on start): it decodes data and checks the format, the limits,
// the body against its hash and the signature, and returns the record or
// an *Error naming the rule that failed. now is the validator's clock, for
// the "not too far in the future" rule.
//
// Validate says whether a record is well formed and authentic, not whether
// its author may write it: that depends on the other records of the
// community and is decided by Evaluate.
func Validate(data []byte, now time.Time) (*Record, error) {
	r, err := parse(data, now.UnixMilli())
	if err != nil {
		return nil, err
	}
	// The signature is the costly check, so it comes last: a malformed
	// record is refused before it costs a verification.
	if !ed25519.Verify(r.Header.Author[:], signedMessage(r.id), r.sig) {
		return nil, fail(RuleSignature, "signature does not verify for author %s", r.Header.Author)
	}
	return r, nil
}

// Decode reads back a record that this node validated when it arrived,
// from its own store. It decodes without repeating the checks made on
// arrival (canonical form, limits, body hash, signature, clock), and
// decodes the body only when Content is first called: the store reads
// records back far more often than it receives them, mostly for their
// headers. Bytes from anywhere else go through Validate.
func Decode(stored []byte) (*Record, error) {
	var env envelope
	if err := decMode.Unmarshal(stored, &env); err != nil {
		return nil, fail(RuleEncoding, "stored record does not decode: %v", err)
	}
	r := &Record{header: env.Header, body: env.Body, sig: env.Sig}
	if len(r.body) == 0 {
		r.body = nil
	}
	if err := decMode.Unmarshal(r.header, &r.Header); err != nil {
		return nil, fail(RuleEncoding, "stored header does not decode: %v", err)
	}
	if !r.Header.Kind.Known() {
		return nil, fail(RuleKind, "stored record of unknown kind %d", r.Header.Kind)
	}
	r.id = sha256.Sum256(r.header)
	return r, nil
}

// parse does everything Validate does but verify the signature; now is
// unix ms.
func parse(data []byte, now int64) (*Record, *Error) {
	if len(data) > MaxRecordBytes {
		return nil, fail(RuleBodyLength, "record is %d bytes, the limit is %d", len(data), MaxRecordBytes)
	}
	var env envelope
	if err := decMode.Unmarshal(data, &env); err != nil {
		return nil, fail(RuleEncoding, "record envelope does not decode: %v", err)
	}
	if !bytes.Equal(encodeEnvelope(&env), data) {
		return nil, fail(RuleCanonical, "record envelope is not in canonical encoding")
	}
	if env.Body != nil && len(env.Body) == 0 {
		// Every body encodes to at least one byte; a purged body is null.
		return nil, fail(RuleCanonical, "record has an empty body instead of null")
	}
	r := &Record{header: env.Header, body: env.Body, sig: env.Sig}
	if err := unmarshalCanonical("header", r.header, &r.Header); err != nil {
		return nil, err
	}
	r.id = sha256.Sum256(r.header)
	if err := checkHeader(&r.Header, now); err != nil {
		return nil, err
	}
	if r.body != nil {
		if err := checkBody(r); err != nil {
			return nil, err
		}
	}
	if len(r.sig) != ed25519.SignatureSize {
		return nil, fail(RuleSignature, "signature is %d bytes, want %d", len(r.sig), ed25519.SignatureSize)
	}
	return r, nil
}

func encodeEnvelope(env *envelope) []byte {
	b, err := encMode.Marshal(env)
	if err != nil {
		return nil
	}
	return b
}

// checkHeader enforces the header rules; now is unix ms.
func checkHeader(h *Header, now int64) *Error {
	if h.Version != Version {
		return fail(RuleVersion, "format version %d, this node reads version %d", h.Version, Version)
	}
	if !h.Kind.Known() {
		return fail(RuleKind, "unknown kind %d", h.Kind)
	}
	if genesis := h.Kind == KindCommunity; genesis != h.Community.IsZero() {
		if genesis {
			return fail(RuleCommunity, "a community record cannot name a community: its own id is the community id")
		}
		return fail(RuleCommunity, "a %s record must name its community", h.Kind)
	}
	if h.Author.IsZero() {
		return fail(RuleAuthor, "no author key")
	}
	if h.Created < 0 {
		return fail(RuleCreated, "created %d is before 1970", h.Created)
	}
	if limit := now + MaxFuture.Milliseconds(); h.Created > limit {
		return fail(RuleCreated, "created %s is more than %s ahead of this node's clock",
			time.UnixMilli(h.Created).UTC().Format(time.RFC3339), MaxFuture)
	}
	if h.BodyLen > MaxBodyBytes {
		return fail(RuleBodyLength, "body is %d bytes, the limit is %d", h.BodyLen, MaxBodyBytes)
	}
	return checkRefs(h)
}

// checkBody checks r.body against the header and decodes it into r.content.
func checkBody(r *Record) *Error {
	if len(r.body) > MaxBodyBytes {
		return fail(RuleBodyLength, "body is %d bytes, the limit is %d", len(r.body), MaxBodyBytes)
	}
	if uint32(len(r.body)) != r.Header.BodyLen {
		return fail(RuleBodyLength, "body is %d bytes, the header says %d", len(r.body), r.Header.BodyLen)
	}
	if sha256.Sum256(r.body) != r.Header.BodyHash {
		return fail(RuleBodyHash, "body does not match the hash in its header")
	}
	content := r.content
	if content == nil {
		content = newBody(r.Header.Kind)
		if err := unmarshalCanonical(r.Header.Kind.String()+" body", r.body, content); err != nil {
			return err
		}
	}
	if err := content.check(&r.Header); err != nil {
		return err
	}
	r.content = content
	return nil
}
