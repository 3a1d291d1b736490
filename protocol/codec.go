package protocol

import (
	"bytes"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// The record format is CBOR in core deterministic encoding (RFC 8949
// section 4.2.1): one value has exactly one encoding, so a header hashes to
// one ID on every node. Decoding is strict, and every decoded header and
// body is re-encoded and compared with the bytes received, which refuses
// every other encoding of the same value (and any field the decoder
// silently dropped or padded). That comparison also refuses duplicate map
// keys, so the decoder need not look for them.
var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(fmt.Sprintf("protocol: cbor encoder options: %v", err))
	}
	decMode, err = cbor.DecOptions{
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   8,
		MaxArrayElements:  1024,
		MaxMapPairs:       64,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("protocol: cbor decoder options: %v", err))
	}
}

// marshal encodes v canonically. Our own types always encode, so an error
// here is a programming error reported to the caller, not a panic.
func marshal(v any) ([]byte, error) {
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

// unmarshalCanonical decodes data into v and refuses any encoding other
// than the canonical one. what names the part for the error message.
func unmarshalCanonical(what string, data []byte, v any) *Error {
	if err := decMode.Unmarshal(data, v); err != nil {
		rule := RuleEncoding
		if what != "header" {
			rule = RuleBody
		}
		return fail(rule, "%s does not decode: %v", what, err)
	}
	again, err := encMode.Marshal(v)
	if err != nil || !bytes.Equal(again, data) {
		return fail(RuleCanonical, "%s is not in canonical encoding (key order, integer width, field length or an empty field)", what)
	}
	return nil
}
