package protocol

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRoundTripEveryKind(t *testing.T) {
	community := ID{0xc0}
	samples := sampleBodies(t, community)
	for _, kind := range Kinds() {
		t.Run(kind.String(), func(t *testing.T) {
			s, ok := samples[kind]
			if !ok {
				t.Fatalf("no sample body for kind %s", kind)
			}
			key := testKey("author")
			if kind == KindJoin {
				key = testKey("joiner") // the invite proof names the joiner
			}
			r := sign(t, key, community, testNow, s.refs, s.body)
			data := r.Encode()
			got, err := Validate(data, testNow)
			if err != nil {
				t.Fatalf("validate: %v", err)
			}
			if got.ID() != r.ID() {
				t.Errorf("id changed: %s != %s", got.ID(), r.ID())
			}
			if !reflect.DeepEqual(got.Header, r.Header) {
				t.Errorf("header changed:\n got %+v\nwant %+v", got.Header, r.Header)
			}
			if !reflect.DeepEqual(got.Content(), s.body) {
				t.Errorf("body changed:\n got %#v\nwant %#v", got.Content(), s.body)
			}
			if !bytes.Equal(got.Encode(), data) {
				t.Error("re-encoding differs from the bytes received")
			}
			if kind == KindCommunity && got.Community() != got.ID() {
				t.Error("a genesis record's community must be its own id")
			}
		})
	}
}

func TestPurgedRecordStillVerifies(t *testing.T) {
	r := sign(t, testKey("a"), ID{1}, testNow, Refs{}, &Post{Type: PostDiscussion, Title: "t", Text: "secret"})
	purged := r.Without()
	got, err := Validate(purged.Encode(), testNow)
	if err != nil {
		t.Fatalf("purged record: %v", err)
	}
	if !got.Purged() || got.Content() != nil || got.ID() != r.ID() {
		t.Errorf("purged record: purged=%v content=%v id=%s want id %s", got.Purged(), got.Content(), got.ID(), r.ID())
	}
	if bytes.Contains(purged.Encode(), []byte("secret")) {
		t.Error("purged encoding still holds the body")
	}
	if r.Purged() {
		t.Error("Without changed the original")
	}
}

// TestEveryByteFlip flips each byte of an encoded record and checks that
// it never validates, and that flips in the body and signature are
// reported as such.
func TestEveryByteFlip(t *testing.T) {
	r := sign(t, testKey("a"), ID{1}, testNow, Refs{}, &Post{Type: PostQuestion, Title: "Why?", Text: "Because.", Tags: []string{"x"}})
	data := r.Encode()
	hStart := bytes.Index(data, r.header)
	bStart := bytes.Index(data, r.body)
	sStart := bytes.Index(data, r.sig)
	if hStart < 0 || bStart < 0 || sStart < 0 {
		t.Fatal("cannot locate header, body and signature in the encoding")
	}
	for i := range data {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			flipped := bytes.Clone(data)
			flipped[i] ^= mask
			_, err := Validate(flipped, testNow)
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("byte %d ^ %#x: got %v, want a validation error", i, mask, err)
			}
			switch {
			case i >= bStart && i < bStart+len(r.body):
				if !errors.Is(err, ErrBodyHash) {
					t.Errorf("body byte %d ^ %#x: got %v, want %v", i-bStart, mask, err, ErrBodyHash)
				}
			case i >= sStart:
				if !errors.Is(err, ErrSignature) {
					t.Errorf("signature byte %d ^ %#x: got %v, want %v", i-sStart, mask, err, ErrSignature)
				}
			}
		}
	}
}

func TestSignedByAnotherKey(t *testing.T) {
	author, other := testKey("author"), testKey("impostor")
	r := sign(t, author, ID{1}, testNow, Refs{Root: ID{2}}, &Reply{Text: "hi"})
	r.sig = ed25519.Sign(other, signedMessage(r.id))
	if _, err := Validate(r.Encode(), testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("got %v, want %v", err, ErrSignature)
	}
	// A signature without the domain prefix is refused too.
	r.sig = ed25519.Sign(author, r.id[:])
	if _, err := Validate(r.Encode(), testNow); !errors.Is(err, ErrSignature) {
		t.Fatalf("undomained signature: got %v, want %v", err, ErrSignature)
	}
}

func TestValidationRules(t *testing.T) {
	key := testKey("a")
	author := PublicKeyOf(key)
	community := ID{7}
	created := testNow.UnixMilli()
	post := func(p Post) []byte { return mustMarshal(t, &p) }
	header := func(kind Kind) Header {
		return Header{Version: Version, Kind: kind, Community: community, Author: author, Created: created}
	}
	valid := post(Post{Type: PostDiscussion, Title: "ok"})
	tags := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "t" + string(rune('a'+i))
		}
		return out
	}
	invKey := testKey("inv")

	tests := []struct {
		name string
		data func() []byte
		want error
	}{
		{"garbage", func() []byte { return []byte("not cbor at all") }, ErrEncoding},
		{"empty", func() []byte { return nil }, ErrEncoding},
		{"oversized", func() []byte { return make([]byte, MaxRecordBytes+1) }, ErrBodyLength},
		{"version", func() []byte { h := header(KindPost); h.Version = 2; return forge(t, key, h, valid, true) }, ErrVersion},
		{"kind", func() []byte { h := header(99); return forge(t, key, h, valid, true) }, ErrKind},
		{"kind zero", func() []byte { h := header(0); return forge(t, key, h, valid, true) }, ErrKind},
		{"no community", func() []byte { h := header(KindPost); h.Community = ID{}; return forge(t, key, h, valid, true) }, ErrCommunity},
		{"genesis with community", func() []byte {
			return forge(t, key, header(KindCommunity), mustMarshal(t, &Community{Name: "x", Policy: JoinOpen}), true)
		}, ErrCommunity},
		{"no author", func() []byte { h := header(KindPost); h.Author = PublicKey{}; return forge(t, key, h, valid, true) }, ErrAuthor},
		{"future", func() []byte {
			h := header(KindPost)
			h.Created = testNow.Add(MaxFuture + time.Second).UnixMilli()
			return forge(t, key, h, valid, true)
		}, ErrCreated},
		{"negative created", func() []byte { h := header(KindPost); h.Created = -1; return forge(t, key, h, valid, true) }, ErrCreated},
		{"reply without root", func() []byte { return forge(t, key, header(KindReply), mustMarshal(t, &Reply{Text: "x"}), true) }, ErrReference},
		{"post with root", func() []byte { h := header(KindPost); h.Root = ID{1}; return forge(t, key, h, valid, true) }, ErrReference},
		{"accept without target", func() []byte {
			h := header(KindAccept)
			h.Root = ID{1}
			return forge(t, key, h, mustMarshal(t, &Accept{}), true)
		}, ErrReference},
		{"note root without parents", func() []byte {
			h := header(KindNote)
			h.Root = ID{1}
			return forge(t, key, h, mustMarshal(t, &Note{Title: "n"}), true)
		}, ErrReference},
		{"too many parents", func() []byte {
			h := header(KindNote)
			h.Root = ID{1}
			for i := range MaxParents + 1 {
				h.Parents = append(h.Parents, ID{byte(i + 1)})
			}
			return forge(t, key, h, mustMarshal(t, &Note{Title: "n"}), true)
		}, ErrReference},
		{"duplicate parent", func() []byte {
			h := header(KindNote)
			h.Root, h.Parents = ID{1}, []ID{{2}, {2}}
			return forge(t, key, h, mustMarshal(t, &Note{Title: "n"}), true)
		}, ErrReference},
		{"body too large", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "big", Text: repeat("a", MaxBodyBytes)}), true)
		}, ErrBodyLength},
		{"body length mismatch", func() []byte {
			h := header(KindPost)
			h.BodyHash, h.BodyLen = [32]byte{}, uint32(len(valid)+1)
			return forge(t, key, h, valid, false)
		}, ErrBodyLength},
		{"body hash", func() []byte {
			h := header(KindPost)
			h.BodyLen = uint32(len(valid))
			return forge(t, key, h, valid, false)
		}, ErrBodyHash},
		{"body of another kind", func() []byte {
			return forge(t, key, header(KindPost), mustMarshal(t, &Event{Title: "e", Start: 1}), true)
		}, ErrBody},
		{"body not cbor", func() []byte { return forge(t, key, header(KindPost), []byte{0xff}, true) }, ErrBody},
		{"body not canonical", func() []byte {
			// A map with keys out of order: {2: "t", 1: 1}.
			return forge(t, key, header(KindPost), []byte{0xa2, 0x02, 0x61, 't', 0x01, 0x01}, true)
		}, ErrCanonical},
		{"duplicate body key", func() []byte {
			// {1: 1, 1: 1, 2: "t"}
			return forge(t, key, header(KindPost), []byte{0xa3, 0x01, 0x01, 0x01, 0x01, 0x02, 0x61, 't'}, true)
		}, ErrCanonical},
		{"header not canonical", func() []byte {
			enc := mustMarshal(t, &Header{Version: Version, Kind: KindPost, Community: community, Author: author, Created: created, BodyHash: [32]byte{}, BodyLen: 1})
			// Re-encode the version (first value) with a two-byte integer.
			i := bytes.Index(enc, []byte{0x01, 0x01})
			bad := append(append(bytes.Clone(enc[:i+1]), 0x18, 0x01), enc[i+2:]...)
			return forgeRaw(t, key, bad, nil)
		}, ErrCanonical},
		{"short id in header", func() []byte {
			type shortHeader struct {
				Version   uint8     `cbor:"1,keyasint"`
				Kind      Kind      `cbor:"2,keyasint"`
				Community []byte    `cbor:"3,keyasint"`
				Author    PublicKey `cbor:"4,keyasint"`
				Created   int64     `cbor:"5,keyasint"`
				BodyHash  [32]byte  `cbor:"9,keyasint"`
				BodyLen   uint32    `cbor:"10,keyasint"`
			}
			return forgeRaw(t, key, mustMarshal(t, &shortHeader{Version, KindPost, []byte{7}, author, created, [32]byte{}, 1}), nil)
		}, ErrCanonical},
		{"empty body instead of null", func() []byte { return forge(t, key, header(KindPost), []byte{}, true) }, ErrCanonical},
		{"short signature", func() []byte {
			b, _ := encMode.Marshal(envelope{Header: mustMarshal(t, &Header{Version: Version, Kind: KindPost, Community: community, Author: author, Created: created, BodyLen: 1}), Sig: []byte{1, 2, 3}})
			return b
		}, ErrSignature},
		{"title empty", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: " "}), true)
		}, ErrTitle},
		{"title too long", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: repeat("é", MaxTitleRunes+1)}), true)
		}, ErrTitle},
		{"title control character", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "a\x1bb"}), true)
		}, ErrTitle},
		{"too many tags", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "t", Tags: tags(MaxTags + 1)}), true)
		}, ErrTags},
		{"tag too long", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "t", Tags: []string{repeat("x", MaxTagRunes+1)}}), true)
		}, ErrTags},
		{"tag not normalized", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "t", Tags: []string{"Go Lang"}}), true)
		}, ErrTags},
		{"duplicate tag", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "t", Tags: []string{"go", "go"}}), true)
		}, ErrTags},
		{"bidi override in name", func() []byte {
			return forge(t, key, header(KindProfile), mustMarshal(t, &Profile{Name: "admin\u202egnp.exe"}), true)
		}, ErrText},
		{"text with NUL", func() []byte {
			return forge(t, key, header(KindPost), post(Post{Type: PostDiscussion, Title: "t", Text: "a\x00b"}), true)
		}, ErrText},
		{"empty reply", func() []byte {
			h := header(KindReply)
			h.Root = ID{1}
			return forge(t, key, h, mustMarshal(t, &Reply{Text: "\n"}), true)
		}, ErrText},
		{"post type", func() []byte { return forge(t, key, header(KindPost), post(Post{Type: 9, Title: "t"}), true) }, ErrField},
		{"event link scheme", func() []byte {
			return forge(t, key, header(KindEvent), mustMarshal(t, &Event{Title: "e", Start: 1, Link: "javascript:alert(1)"}), true)
		}, ErrField},
		{"event ends before start", func() []byte {
			return forge(t, key, header(KindEvent), mustMarshal(t, &Event{Title: "e", Start: 10, End: 5}), true)
		}, ErrField},
		{"event before 1970", func() []byte {
			// 0001-01-01, Go's zero time: it said "no start time".
			return forge(t, key, header(KindEvent), mustMarshal(t, &Event{Title: "e", Start: -62135596800000}), true)
		}, ErrField},
		{"invite revocation naming a member", func() []byte {
			h := header(KindRole)
			h.Target = ID{7}
			return forge(t, key, h, mustMarshal(t, &Role{Member: PublicKeyOf(invKey), Action: RoleRevokeInvite}), true)
		}, ErrField},
		{"invite revocation without target", func() []byte {
			return forge(t, key, header(KindRole), mustMarshal(t, &Role{Action: RoleRevokeInvite}), true)
		}, ErrField},
		{"role with a target", func() []byte {
			h := header(KindRole)
			h.Target = ID{7}
			return forge(t, key, h, mustMarshal(t, &Role{Member: PublicKeyOf(invKey), Action: RoleRemove}), true)
		}, ErrReference},
		{"event minutes id short", func() []byte {
			return forge(t, key, header(KindEvent), mustMarshal(t, &Event{Title: "e", Start: 10, Minutes: []byte{1, 2, 3}}), true)
		}, ErrField},
		{"invite already expired", func() []byte {
			return forge(t, key, header(KindInvite), mustMarshal(t, &Invite{Key: PublicKeyOf(invKey), Expires: created, MaxUses: 1}), true)
		}, ErrField},
		{"invite unlimited", func() []byte {
			return forge(t, key, header(KindInvite), mustMarshal(t, &Invite{Key: PublicKeyOf(invKey), Expires: created + 1}), true)
		}, ErrField},
		{"join proof by another joiner", func() []byte {
			h := header(KindJoin)
			h.Target = ID{9}
			proof := InviteProof(invKey, community, PublicKeyOf(testKey("someone else")))
			return forge(t, key, h, mustMarshal(t, &Join{InviteKey: PublicKeyOf(invKey), InviteProof: proof}), true)
		}, ErrInvite},
		{"join proof for another community", func() []byte {
			h := header(KindJoin)
			h.Target = ID{9}
			proof := InviteProof(invKey, ID{8}, author)
			return forge(t, key, h, mustMarshal(t, &Join{InviteKey: PublicKeyOf(invKey), InviteProof: proof}), true)
		}, ErrInvite},
		{"join with invite but no proof", func() []byte {
			h := header(KindJoin)
			h.Target = ID{9}
			return forge(t, key, h, mustMarshal(t, &Join{InviteKey: PublicKeyOf(invKey)}), true)
		}, ErrInvite},
		{"role without member", func() []byte { return forge(t, key, header(KindRole), mustMarshal(t, &Role{Action: RoleRemove}), true) }, ErrField},
		{"device peer id too long", func() []byte {
			return forge(t, key, header(KindDevice), mustMarshal(t, &Device{PeerID: make([]byte, MaxPeerIDBytes+1)}), true)
		}, ErrField},
		{"unknown body field", func() []byte {
			type extended struct {
				Type  PostType `cbor:"1,keyasint"`
				Title string   `cbor:"2,keyasint"`
				Extra string   `cbor:"99,keyasint"`
			}
			return forge(t, key, header(KindPost), mustMarshal(t, &extended{PostDiscussion, "t", "x"}), true)
		}, ErrBody},
		{"bad signature", func() []byte {
			data := forge(t, key, header(KindPost), valid, true)
			data[len(data)-1] ^= 1
			return data
		}, ErrSignature},
	}
	seen := make(map[Rule]bool)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(tt.data(), testNow)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var verr *Error
			if !errors.As(err, &verr) || verr.Detail == "" {
				t.Fatalf("error %v has no detail", err)
			}
			if tt.name == "event before 1970" && !strings.Contains(err.Error(), "before 1970 (0001-01-01 00:00 UTC)") {
				t.Errorf("an event before 1970: %v", err)
			}
			seen[verr.Rule] = true
		})
	}
	// Every rule has at least one case above.
	for _, rule := range []Rule{RuleEncoding, RuleCanonical, RuleVersion, RuleKind, RuleCommunity, RuleAuthor, RuleCreated,
		RuleReference, RuleBodyLength, RuleBodyHash, RuleBody, RuleSignature, RuleTitle, RuleTags, RuleText, RuleField, RuleInvite} {
		if !seen[rule] {
			t.Errorf("no test case for rule %s", rule)
		}
	}
}

// TestSignRefusesInvalid checks that Sign applies the same rules, so the
// CLI and UI get the same clear errors before anything is stored.
func TestSignRefusesInvalid(t *testing.T) {
	_, err := Sign(testKey("a"), ID{1}, testNow.UnixMilli(), Refs{}, &Post{Type: PostQuestion, Title: repeat("x", 201)})
	if !errors.Is(err, ErrTitle) {
		t.Errorf("long title: got %v, want %v", err, ErrTitle)
	}
	_, err = Sign(testKey("a"), ID{1}, testNow.UnixMilli(), Refs{}, &Reply{Text: "no root"})
	if !errors.Is(err, ErrReference) {
		t.Errorf("reply without root: got %v, want %v", err, ErrReference)
	}
	if _, err = Sign(ed25519.PrivateKey{1, 2}, ID{1}, 0, Refs{}, &Reply{Text: "x"}); err == nil {
		t.Error("short key: no error")
	}
}

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{
		"Kubernetes":      "kubernetes",
		"  Site  Rel ":    "site-rel",
		"C++":             "c++",
		"c#":              "c#",
		"foo/bar":         "foo-bar",
		"ÉCOLE":           "école",
		"---":             "",
		"a--b":            "a-b",
		"node.js":         "node.js",
		"\u202eevil\x00x": "evil-x",
	} {
		if got := NormalizeTag(in); got != want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseID(t *testing.T) {
	id := ID{0xab, 0xcd}
	got, err := ParseID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseID(%s) = %s, %v", id, got, err)
	}
	for _, bad := range []string{"", "abc", repeat("g", 64), repeat("a", 66)} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q): no error", bad)
		}
	}
	if k, err := ParsePublicKey(PublicKeyOf(testKey("x")).String()); err != nil || k != PublicKeyOf(testKey("x")) {
		t.Errorf("ParsePublicKey round trip: %v", err)
	}
}

func TestDecodeStored(t *testing.T) {
	r := sign(t, testKey("a"), ID{1}, testNow, Refs{Root: ID{2}}, &Reply{Text: "stored"})
	for _, rec := range []*Record{r, r.Without()} {
		got, err := Decode(rec.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.ID() != r.ID() || got.Purged() != rec.Purged() || !reflect.DeepEqual(got.Content(), rec.Content()) ||
			!bytes.Equal(got.Encode(), rec.Encode()) {
			t.Errorf("decoded stored record differs (purged=%v)", rec.Purged())
		}
	}
	if _, err := Decode([]byte("garbage")); !errors.Is(err, ErrEncoding) {
		t.Errorf("garbage: got %v, want %v", err, ErrEncoding)
	}
}

// TestSignRefusesWhatPeersRefuse: text that is not UTF-8, in any field,
// is refused when signing, naming the field where a rule does, and
// whatever Sign accepts Validate accepts: a node must not sign a record
// its peers then refuse (they refused it at decoding, and the record
// stopped the community's sync with them).
func TestSignRefusesWhatPeersRefuse(t *testing.T) {
	key := testKey("a")
	bad := "caf\xe9" // Latin-1, as a client might send it
	for name, body := range map[string]Body{
		"post title":     &Post{Type: PostDiscussion, Title: bad},
		"post text":      &Post{Type: PostDiscussion, Title: "t", Text: "x " + bad},
		"post tag":       &Post{Type: PostDiscussion, Title: "t", Tags: []string{bad}},
		"reply text":     &Reply{Text: bad},
		"profile name":   &Profile{Name: bad},
		"profile bio":    &Profile{Bio: bad},
		"community name": &Community{Name: bad},
		"event place":    &Event{Title: "t", Start: 1, Place: bad},
		"device name":    &Device{PeerID: []byte{1}, Name: bad},
		"role reason":    &Role{Member: PublicKeyOf(key), Action: RoleModerator, Reason: bad},
		"file type":      &Post{Type: PostDiscussion, Title: "t", Files: []Attachment{{Hash: make([]byte, 32), Size: 1, Name: "a", Type: "text/" + bad}}},
	} {
		refs, community := Refs{}, ID{1}
		switch body.(type) {
		case *Reply:
			refs.Root = ID{7}
		case *Community:
			community = ID{} // a genesis names none
		}
		r, err := Sign(key, community, testNow.UnixMilli(), refs, body)
		if err == nil {
			_, verr := Validate(r.Encode(), testNow)
			t.Errorf("%s: signed; a peer's validation then says %v", name, verr)
			continue
		}
		if name != "file type" && !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("%s: %v, want it to say the text is not valid UTF-8", name, err)
		}
	}
}
