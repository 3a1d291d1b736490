package node

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	p2phost "github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pprotocol "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/kith-network/kith/node/home"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
)

// TestCloseWhileSessionsHang: a peer that opens sync and fetch streams and
// then says nothing, and that answers a sync this node starts with
// silence, holds none of them open past Close: the daemon stops at once
// on SIGTERM rather than after the sessions' deadlines, minutes away.
func TestCloseWhileSessionsHang(t *testing.T) {
	ctx := context.Background()
	n, err := Start(ctx, Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	// Two silent peers: a node runs one session at a time with a peer, so
	// the one whose streams hang on this node is not the one this node's
	// own sync waits on (else the sync would find the peer busy, or the
	// streams would, depending on which came first).
	silentPeer := func() p2phost.Host {
		key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
		h, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		if err := h.Connect(ctx, peer.AddrInfo{ID: n.PeerID(), Addrs: n.host.Addrs()}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	caller, callee := silentPeer(), silentPeer()
	held := make(chan network.Stream, 8)
	callee.SetStreamHandler(syncProtocol, func(s network.Stream) { held <- s }) // never answers
	for _, proto := range []libp2pprotocol.ID{syncProtocol, fetchProtocol} {
		s, err := caller.NewStream(ctx, n.PeerID(), proto)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.Write([]byte{1}) // a first byte, then nothing
	}
	syncDone := make(chan struct{})
	go func() {
		defer close(syncDone)
		n.Sync(ctx, callee.ID(), protocol.ID{})
	}()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the node's sync stream never reached the silent peer")
	}
	time.Sleep(200 * time.Millisecond) // let the handlers block on their reads

	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- n.Close() }()
	select {
	case <-closed:
		t.Logf("closed in %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on sessions with a silent peer")
	}
	select {
	case <-syncDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the node's own sync with the silent peer did not end with Close")
	}
}
