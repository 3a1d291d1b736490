package host

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	p2phost "github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	p2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
)

// quicPeer starts a QUIC-only host with transport.
func quicPeer(t *testing.T, transport libp2p.Option) p2phost.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.Identity(newKey(t)), libp2p.ListenAddrStrings("/ip4/127.0.0.1/udp/0/quic-v1"),
		transport, libp2p.NoSecurity, libp2p.DisableRelay(), libp2p.ForceReachabilityPrivate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestPeerWithAClockAhead: a node connects over QUIC to a peer whose
// clock runs three hours ahead when the peer's transport is made as ours
// is (quicTransport, at its clock); libp2p's own certificate, valid from
// an hour before its maker's clock, is refused (the failure this avoids).
func TestPeerWithAClockAhead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ahead := time.Now().Add(3 * time.Hour)
	ours, err := quicTransport(ahead)
	if err != nil {
		t.Fatal(err)
	}
	libp2pDefault, err := certTemplate(ahead)
	if err != nil {
		t.Fatal(err)
	}
	libp2pDefault.NotBefore = ahead.Add(-time.Hour)

	a := newLoopbackHost(t, "/ip4/127.0.0.1/udp/0/quic-v1")
	good := quicPeer(t, ours)
	if err := a.Connect(ctx, peer.AddrInfo{ID: good.ID(), Addrs: good.Addrs()}); err != nil {
		t.Errorf("a peer three hours ahead, certificate made as ours: %v", err)
	}
	bad := quicPeer(t, libp2p.Transport(quic.NewTransport, quic.WithTLSIdentityOption(p2ptls.WithCertTemplate(libp2pDefault))))
	err = a.Connect(ctx, peer.AddrInfo{ID: bad.ID(), Addrs: bad.Addrs()})
	if err == nil || !strings.Contains(err.Error(), "not yet valid") {
		t.Errorf("a peer three hours ahead with libp2p's certificate: %v, want refused as not yet valid", err)
	}
}

// TestTCPPrefersNoise: over TCP two nodes secure their connection with
// Noise, which checks no clock; a peer that offers TLS only (an older
// version) is still reached.
func TestTCPPrefersNoise(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := newLoopbackHost(t, "/ip4/127.0.0.1/tcp/0"), newLoopbackHost(t, "/ip4/127.0.0.1/tcp/0")
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatal(err)
	}
	if got := a.Network().ConnsToPeer(b.ID())[0].ConnState().Security; got != noise.ID {
		t.Errorf("security %q, want %q", got, noise.ID)
	}
	old, err := libp2p.New(libp2p.Identity(newKey(t)), libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Security(p2ptls.ID, p2ptls.New), libp2p.DisableRelay(), libp2p.ForceReachabilityPrivate())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := a.Connect(ctx, peer.AddrInfo{ID: old.ID(), Addrs: old.Addrs()}); err != nil {
		t.Fatalf("a TLS-only peer: %v", err)
	}
	if got := a.Network().ConnsToPeer(old.ID())[0].ConnState().Security; got != p2ptls.ID {
		t.Errorf("security with a TLS-only peer %q, want %q", got, p2ptls.ID)
	}
}
