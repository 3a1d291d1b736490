package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestFetchRefusesPlantedRecords: the fetch protocol takes from a
// stranger only what a joiner brings. A community the node does not hold,
// a post handed over with the request, a device record for another node
// and a role record that admits no one are refused, with a reason and no record, and none of them is
// stored.
func TestFetchRefusesPlantedRecords(t *testing.T) {
	ctx := context.Background()
	honest := startTestNode(t)
	held, err := honest.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Held"})
	must(t, err)
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	evil, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	defer evil.Close()
	must(t, evil.Connect(ctx, peer.AddrInfo{ID: honest.PeerID(), Addrs: honest.host.Addrs()}))

	stranger := prototest.Key("stranger")
	now := time.Now()
	planted := prototest.Sign(t, stranger, protocol.ID{}, now, protocol.Refs{}, &protocol.Community{Name: "Planted", Policy: protocol.JoinOpen})
	post := prototest.Sign(t, stranger, held, now, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Spam"})
	join := prototest.Sign(t, stranger, held, now, protocol.Refs{}, &protocol.Join{})
	otherDevice := prototest.Sign(t, stranger, held, now, protocol.Refs{}, &protocol.Device{PeerID: []byte(honest.PeerID())})
	futureJoin := prototest.Sign(t, prototest.Key("fast clock"), held, now.Add(time.Hour), protocol.Refs{}, &protocol.Join{})
	removal := prototest.Sign(t, stranger, held, now, protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(prototest.Key("victim")), Action: protocol.RoleRemove})

	request := func(community protocol.ID, recs ...*protocol.Record) []byte {
		s, err := evil.NewStream(ctx, honest.PeerID(), fetchProtocol)
		must(t, err)
		defer s.Close()
		var b bytes.Buffer
		b.Write(community[:])
		b.Write(binary.BigEndian.AppendUint64(nil, 0))
		b.Write(binary.AppendUvarint(nil, uint64(len(recs))))
		for _, r := range recs {
			writeFrame(&b, r.Encode())
		}
		s.Write(b.Bytes())
		s.CloseWrite()
		s.SetReadDeadline(time.Now().Add(10 * time.Second))
		out, _ := io.ReadAll(s)
		return out
	}
	for name, tc := range map[string]struct {
		community protocol.ID
		recs      []*protocol.Record
		gone      protocol.ID
	}{
		"a community not held":         {planted.ID(), []*protocol.Record{planted}, planted.ID()},
		"a post with the request":      {held, []*protocol.Record{join, post}, post.ID()},
		"another node's device record": {held, []*protocol.Record{otherDevice}, otherDevice.ID()},
		"a join dated an hour ahead":   {held, []*protocol.Record{futureJoin}, futureJoin.ID()},
		"a removal":                    {held, []*protocol.Record{join, removal}, removal.ID()},
	} {
		// One frame saying why, and no record.
		out := request(tc.community, tc.recs...)
		r := bufio.NewReader(bytes.NewReader(out))
		frame, err := readFrame(r)
		if err != nil || len(frame) == 0 || frame[0] != fetchRefusal {
			t.Errorf("%s: the node answered %d bytes, not a refusal", name, len(out))
		} else if _, err := r.ReadByte(); err != io.EOF {
			t.Errorf("%s: the node answered more than its refusal (%q)", name, frame)
		}
		if _, err := honest.store.Get(ctx, tc.gone); err == nil {
			t.Errorf("%s: the node stored it", name)
		}
	}
	cs, err := honest.Communities(ctx)
	must(t, err)
	if len(cs) != 1 || cs[0].ID != held {
		t.Errorf("communities after the attempts: %+v", cs)
	}
	// A joiner whose clock runs ahead is told so, not left to guess.
	if frame, err := readFrame(bufio.NewReader(bytes.NewReader(request(held, futureJoin)))); err != nil || !strings.Contains(string(frame), "is your computer's clock right?") {
		t.Errorf("the refusal of a join from the future: %q, %v", frame, err)
	}
	// What a joiner brings is still taken, and the history given.
	if out := request(held, join); len(out) == 0 {
		t.Error("a join handed over by a joiner was refused")
	}
	if _, err := honest.store.Get(ctx, join.ID()); err != nil {
		t.Errorf("the joiner's join was not stored: %v", err)
	}
}

// FuzzRefusalText: whatever a peer sends as the reason for a refusal, what
// is shown is valid UTF-8, without control characters, and bounded.
func FuzzRefusalText(f *testing.F) {
	f.Add([]byte("the invite is used up"))
	f.Add([]byte("\x1b[31mred\x1b[0m \xff\xfe \u202e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := refusalText(b)
		if !utf8.ValidString(s) || len(s) > maxRefusal {
			t.Fatalf("%q: %q", b, s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("%q: %q keeps %U", b, s, r)
			}
		}
	})
}
