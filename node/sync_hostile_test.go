package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pprotocol "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/kith-network/kith/node/api"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestHostileSyncPeer: a peer that speaks the sync protocol badly
// (oversized frames, bogus messages, endless reconciliation, invalid
// records, a stalled stream) cannot crash or stall the honest node, and
// nothing it sends is stored.
func TestHostileSyncPeer(t *testing.T) {
	ctx := context.Background()
	honest := startTestNode(t)
	community, err := honest.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Under attack"})
	if err != nil {
		t.Fatal(err)
	}
	evil, hello := syncPeer(t, honest, community)
	frame := syncFrame
	// A record signed right but for another community, and bytes that are
	// no record at all.
	other := prototest.Sign(t, prototest.Key("evil"), protocol.ID{}, time.Now(), protocol.Refs{}, &protocol.Community{Name: "Elsewhere", Policy: protocol.JoinOpen})
	attacks := map[string][]byte{
		"oversized frame": append([]byte{frameHello}, binary.AppendUvarint(nil, 1<<40)...),
		"malformed hello": frame(frameHello, []byte{1, 2, 3}),
		"wrong frame":     frame(frameRequest, nil),
		"bogus message":   append(frame(frameHello, hello), frame(frameReconcile, []byte{0xff, 0xff, 0xff})...),
		"invalid record pushed": append(append(append(frame(frameHello, hello),
			frame(frameEnd, nil)...), frame(frameEnd, nil)...), frame(frameRecord, []byte("not a record"))...),
		"foreign record pushed": append(append(append(frame(frameHello, hello),
			frame(frameEnd, nil)...), frame(frameEnd, nil)...), frame(frameRecord, other.Encode())...),
	}
	for name, data := range attacks {
		s, err := evil.NewStream(ctx, honest.PeerID(), syncProtocol)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.Write(data)
		s.CloseWrite()
		readAll(s)
		s.Close()
	}
	// Endless reconciliation: a valid fingerprint message that never
	// agrees, sent again and again. The honest node ends the session.
	s, err := evil.NewStream(ctx, honest.PeerID(), syncProtocol)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(s)
	w.Write(frame(frameHello, hello))
	bogus := protocol.Message{Ranges: []protocol.Range{{Upper: protocol.MaxPosition, Mode: protocol.ModeFingerprint, Count: 999_999}}}
	for range 200 {
		w.Write(frame(frameReconcile, bogus.Encode()))
	}
	w.Flush()
	s.CloseWrite()
	readAll(s)
	s.Close()
	// A stalled stream: opened, then silent. It must not block others.
	stalled, err := evil.NewStream(ctx, honest.PeerID(), syncProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()

	if _, err := honest.store.Get(ctx, other.ID()); err == nil {
		t.Fatal("the honest node stored a record of another community from a sync peer")
	}
	// The honest node still serves an honest peer promptly.
	friend := startTestNode(t)
	code, err := honest.Invite(ctx, community, api.InviteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := friend.Join(ctx, code.Code); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("an honest join after the attacks: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the honest node stalled after the attacks")
	}
	if _, err := friend.Sync(ctx, honest.PeerID(), community); err != nil {
		t.Fatalf("an honest sync after the attacks: %v", err)
	}
}

// syncPeer is a bare libp2p host connected to n, and a hello offering
// community in the form n accepts: a peer speaking sync frame by frame.
func syncPeer(t *testing.T, n *Node, community protocol.ID) (host.Host, []byte) {
	t.Helper()
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	h, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	t.Cleanup(func() { h.Close() })
	must(t, h.Connect(context.Background(), peer.AddrInfo{ID: n.PeerID(), Addrs: n.host.Addrs()}))
	salt := make([]byte, 16)
	sum := salted(salt, community)
	return h, append(append([]byte{}, salt...), sum[:]...)
}

// syncFrame is one frame of the sync protocol.
func syncFrame(kind byte, payload []byte) []byte {
	b := []byte{kind}
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}

func readAll(s network.Stream) {
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// TestHostileRemovalNotice: a sync server's removal notices are checked
// like any synced record: one naming a community not offered, an empty
// one, one sent twice, one carrying a record of another community, or one
// in sync 1.0.0 (which has none) ends the session with an error saying
// so, and nothing of it is stored.
func TestHostileRemovalNotice(t *testing.T) {
	ctx := context.Background()
	honest := startTestNode(t)
	community, err := honest.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Under attack"})
	must(t, err)
	frame := func(kind byte, payload []byte) []byte {
		return append(binary.AppendUvarint([]byte{kind}, uint64(len(payload))), payload...)
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	other := prototest.Sign(t, prototest.Key("evil"), protocol.ID{}, time.Now(), protocol.Refs{}, &protocol.Community{Name: "Elsewhere", Policy: protocol.JoinOpen})
	accept := frame(frameAccept, nil)
	for _, tc := range []struct {
		name   string
		proto  libp2pprotocol.ID
		answer []byte
		want   string
	}{
		{"a community not offered", syncProtocol, join(frame(frameRemoved, []byte{7}), frame(frameEnd, nil), accept), "malformed removal notice"},
		{"an empty notice", syncProtocol, join(frame(frameRemoved, nil), frame(frameEnd, nil), accept), "malformed removal notice"},
		{"a notice sent twice", syncProtocol, join(frame(frameRemoved, []byte{0}), frame(frameEnd, nil), frame(frameRemoved, []byte{0}), frame(frameEnd, nil), accept),
			"malformed removal notice"},
		{"a record of another community", syncProtocol, join(frame(frameRemoved, []byte{0}), frame(frameRecord, other.Encode()), frame(frameEnd, nil), accept),
			"record of another community"},
		{"a notice in sync 1.0.0", syncProtocolV1, join(frame(frameRemoved, []byte{0}), frame(frameEnd, nil), accept), "which has none"},
	} {
		key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
		evil, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
		must(t, err)
		defer evil.Close()
		evil.SetStreamHandler(tc.proto, func(s network.Stream) {
			defer s.Close()
			f := newFrames(s, maxSessionBytes)
			if _, _, err := f.recv(frameHello); err == nil {
				s.Write(tc.answer)
			}
			readAll(s) // until the client gives up
		})
		must(t, evil.Connect(ctx, peer.AddrInfo{ID: honest.PeerID(), Addrs: honest.host.Addrs()}))
		if _, err := honest.Sync(ctx, evil.ID(), community); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := honest.store.Get(ctx, other.ID()); err == nil {
		t.Error("the honest node stored a record of another community from a removal notice")
	}
}

// TestSyncBusySaysSo: a node already in a session with a peer answers
// another of that peer's sessions in 1.1.0 with "busy", which the client
// takes as no failure (no introduction, no "does not share"); in 1.0.0
// with the empty accept that version knows.
func TestSyncBusySaysSo(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	c := shareCommunity(t, a, "Busy", b)
	salt := make([]byte, 16)
	h := salted(salt, c)
	hello := append(slices.Clone(salt), h[:]...)
	_, f := sendHello(t, b, a, syncProtocol, hello)
	if kind, _, err := f.recv(frameAccept); err != nil || kind != frameAccept {
		t.Fatalf("the first session: %q %v", kind, err)
	}
	// a's node is now in a session with b's, waiting for its first message.
	if _, err := b.Sync(ctx, a.PeerID(), c); !errors.Is(err, errSyncBusy) {
		t.Errorf("a second session: %v, want busy", err)
	}
	_, g := sendHello(t, b, a, syncProtocolV1, hello)
	if kind, data, err := g.recv(frameAccept, frameBusy); err != nil || kind != frameAccept || len(data) != 0 {
		t.Errorf("a second session in 1.0.0: %q %v %v, want an empty accept", kind, data, err)
	}
}

// sendHello opens a raw sync stream of proto from one node to another and
// sends hello on it, for tests that read the answer frame by frame. The
// stream is reset when the test ends, if not before.
func sendHello(t *testing.T, from, to *Node, proto libp2pprotocol.ID, hello []byte) (network.Stream, *frames) {
	t.Helper()
	s, err := from.host.NewStream(context.Background(), to.PeerID(), proto)
	must(t, err)
	t.Cleanup(func() { s.Reset() })
	f := newFrames(s, maxSessionBytes)
	must(t, f.send(frameHello, hello))
	must(t, f.flush())
	return s, f
}

// TestSyncSkipsAnInvalidRecord: a record the node refuses among those a
// peer sends (one an older version signed with text that is not UTF-8)
// is skipped, and the session takes the records after it; many invalid
// records end the session as with a faulty peer.
func TestSyncSkipsAnInvalidRecord(t *testing.T) {
	ctx := context.Background()
	honest := startTestNode(t)
	community, err := honest.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Mixed versions"})
	must(t, err)
	peerHost, hello := syncPeer(t, honest, community)
	frame := syncFrame
	push := func(records ...[]byte) {
		t.Helper()
		s, err := peerHost.NewStream(ctx, honest.PeerID(), syncProtocol)
		must(t, err)
		data := append(append(frame(frameHello, hello), frame(frameEnd, nil)...), frame(frameEnd, nil)...)
		for _, r := range records {
			data = append(data, frame(frameRecord, r)...)
		}
		s.Write(append(data, frame(frameEnd, nil)...))
		s.CloseWrite()
		readAll(s)
		s.Close()
	}
	post := func(title string) *protocol.Record {
		return prototest.Sign(t, honest.id.Member, community, time.Now(), protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: title})
	}
	// The invalid record: a post whose body was changed after signing
	// (its hash no longer matches), refused as a record an older version
	// signed with text that is not UTF-8 is.
	bad := post("placeholder").Encode()
	i := bytes.Index(bad, []byte("placeholder"))
	copy(bad[i:], "placeholde\xff")

	const failed = `kith_sync_sessions_total{result="error",side="server"}`
	after := post("After the bad one")
	push(bad, after.Encode())
	waitFor(t, "the record after the invalid one", 10*time.Second, func() bool { _, err := honest.store.Get(ctx, after.ID()); return err == nil })
	waitMetric(t, honest, `kith_sync_sessions_total{result="ok",side="server"}`, func(v float64) bool { return v >= 1 })
	if m := scrape(t, honest); m[failed] != 0 {
		t.Errorf("a session with one invalid record ended in error")
	}

	// Many: the session ends in error, before the record after them.
	many := make([][]byte, 0, maxInvalidPerSession+2)
	for range maxInvalidPerSession + 1 {
		many = append(many, []byte("not a record"))
	}
	late := post("After too many")
	push(append(many, late.Encode())...)
	waitMetric(t, honest, failed, func(v float64) bool { return v == 1 })
	if _, err := honest.store.Get(ctx, late.ID()); err == nil {
		t.Error("a record after more than maxInvalidPerSession invalid ones was stored")
	}
}
