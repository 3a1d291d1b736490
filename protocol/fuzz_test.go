package protocol

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

// seedRecords adds one valid record of every kind, and a purged one, to a
// fuzz corpus.
func seedRecords(f *testing.F) {
	community := ID{0xc0}
	for kind, s := range sampleBodies(f, community) {
		key := testKey("author")
		if kind == KindJoin {
			key = testKey("joiner")
		}
		r := sign(f, key, community, testNow, s.refs, s.body)
		f.Add(r.Encode())
		if kind == KindPost {
			f.Add(r.Without().Encode())
		}
	}
}

// FuzzValidate feeds arbitrary bytes to the one validation path. It must
// never panic, must refuse with an *Error, and whatever it accepts must
// re-encode to exactly the bytes it was given (one record, one encoding).
func FuzzValidate(f *testing.F) {
	seedRecords(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Validate(data, testNow)
		if err != nil {
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if !bytes.Equal(r.Encode(), data) {
			t.Fatal("an accepted record re-encodes differently")
		}
		if !r.Purged() && r.Content() == nil {
			t.Fatal("an accepted record with a body has no content")
		}
	})
}

// FuzzDecode feeds arbitrary bytes to the decoder without the signature
// check, so the fuzzer reaches the header and body rules behind it (a
// random mutation almost never carries a valid signature).
func FuzzDecode(f *testing.F) {
	seedRecords(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parse(data, testNow.UnixMilli())
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), data) {
			t.Fatal("a parsed record re-encodes differently")
		}
		// What parses must evaluate without trouble, alone or with a genesis.
		Evaluate(r.Community(), []*Record{r})
	})
}

// FuzzBody decodes arbitrary bytes as the body of every kind.
func FuzzBody(f *testing.F) {
	for _, s := range sampleBodies(f, ID{1}) {
		f.Add(uint8(s.body.Kind()), mustMarshal(f, s.body))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		body := newBody(Kind(kind))
		if body == nil {
			return
		}
		if err := unmarshalCanonical("body", data, body); err != nil {
			return
		}
		h := Header{Version: Version, Kind: Kind(kind), Community: ID{1}, Author: PublicKey{1}, Created: 1}
		_ = body.check(&h)
		again, err := marshal(body)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("a decoded body re-encodes differently: %v", err)
		}
	})
}

// FuzzNormalizeTag checks that NormalizeTag is idempotent and that what it
// returns passes the tag rules whenever it is short enough.
func FuzzNormalizeTag(f *testing.F) {
	for _, s := range []string{"Kubernetes", "C++", "a b", "ÉCOLE", "\u202e", "ǅ", "ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		n := NormalizeTag(s)
		if NormalizeTag(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, NormalizeTag(n))
		}
		if n != "" && utf8.RuneCountInString(n) <= MaxTagRunes {
			if err := checkTags("tags", []string{n}); err != nil {
				t.Fatalf("normalized tag %q refused: %v", n, err)
			}
		}
	})
}

// FuzzDecodeStored feeds arbitrary bytes to the decoder of stored records:
// a damaged store must give an error, never a panic.
func FuzzDecodeStored(f *testing.F) {
	seedRecords(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		_ = r.Encode()
		Evaluate(r.Community(), []*Record{r})
	})
}
