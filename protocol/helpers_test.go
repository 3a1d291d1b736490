package protocol

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// testNow is the clock used by tests: records are created around it.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testKey returns a deterministic Ed25519 key for a name.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("kith test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// sampleBodies returns one valid body per kind, with the references its
// header needs, so tests can cover every kind.
func sampleBodies(t testing.TB, community ID) map[Kind]struct {
	body Body
	refs Refs
} {
	t.Helper()
	other := ID{1}
	invKey := testKey("invite")
	joiner := testKey("joiner")
	type entry = struct {
		body Body
		refs Refs
	}
	return map[Kind]entry{
		KindCommunity: {&Community{Name: "Site Reliability", Domain: "running production systems", Charter: "# Be kind\nShare what broke.", Policy: JoinInvite}, Refs{}},
		KindJoin:      {&Join{InviteKey: PublicKeyOf(invKey), InviteProof: InviteProof(invKey, community, PublicKeyOf(joiner))}, Refs{Target: other}},
		KindInvite:    {&Invite{Key: PublicKeyOf(invKey), Expires: testNow.Add(24 * time.Hour).UnixMilli(), MaxUses: 5, Label: "pilot team"}, Refs{}},
		KindRole:      {&Role{Member: PublicKeyOf(joiner), Action: RoleModerator, Reason: "long-time helper"}, Refs{}},
		KindProfile:   {&Profile{Name: "Ada", Org: "Acme", Expertise: []string{"kubernetes", "postgres"}, Bio: "On call since 2019."}, Refs{}},
		KindPost:      {&Post{Type: PostQuestion, Title: "How do you rotate TLS certs?", Text: "We use *cert-manager*.", Tags: []string{"tls", "kubernetes"}}, Refs{}},
		KindReply:     {&Reply{Text: "Short-lived certs and automation."}, Refs{Root: other}},
		KindAccept:    {&Accept{}, Refs{Root: other, Target: ID{2}}},
		KindNote:      {&Note{Title: "Certificate rotation", Text: "1. Automate.\n2. Monitor expiry.", Tags: []string{"tls"}}, Refs{}},
		KindReact:     {&React{Reaction: ReactApplied}, Refs{Target: other}},
		KindEvent:     {&Event{Title: "Monthly call", Start: testNow.Add(48 * time.Hour).UnixMilli(), End: testNow.Add(49 * time.Hour).UnixMilli(), Link: "https://meet.example.org/sre", Tags: []string{"meeting"}}, Refs{}},
		KindRSVP:      {&RSVP{Answer: AnswerYes}, Refs{Target: other}},
		KindTombstone: {&Tombstone{Reason: "posted by mistake"}, Refs{Target: other}},
		KindHide:      {&Hide{Reason: "off topic"}, Refs{Target: other}},
		KindDevice:    {&Device{PeerID: []byte("\x00\x24\x08\x01\x12\x20node"), Name: "work laptop"}, Refs{}},
	}
}

// sign signs a record as Sign does, failing the test on error.
func sign(t testing.TB, key ed25519.PrivateKey, community ID, created time.Time, refs Refs, body Body) *Record {
	t.Helper()
	if body.Kind() == KindCommunity {
		community = ID{}
	}
	r, err := Sign(key, community, created.UnixMilli(), refs, body)
	if err != nil {
		t.Fatalf("sign %s: %v", body.Kind(), err)
	}
	return r
}

// forge builds a record from a header and an encoded body without any of
// Sign's checks, signed correctly by key, so a test can make a record that
// breaks exactly one rule. A nil body is a purged record.
func forge(t testing.TB, key ed25519.PrivateKey, h Header, body []byte, fixHash bool) []byte {
	t.Helper()
	if fixHash && body != nil {
		h.BodyHash = sha256.Sum256(body)
		h.BodyLen = uint32(len(body))
	}
	enc, err := marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	return forgeRaw(t, key, enc, body)
}

// forgeRaw signs arbitrary header bytes.
func forgeRaw(t testing.TB, key ed25519.PrivateKey, header, body []byte) []byte {
	t.Helper()
	id := ID(sha256.Sum256(header))
	env := envelope{Header: header, Body: body, Sig: ed25519.Sign(key, signedMessage(id))}
	b, err := encMode.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }
