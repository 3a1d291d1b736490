package host

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/config"
	"github.com/libp2p/go-libp2p/core/crypto"
	p2phost "github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

func newKey(t *testing.T) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newLoopbackHost(t *testing.T, listen ...string) p2phost.Host {
	t.Helper()
	h, err := New(Config{Key: newKey(t), Listen: listen, Loopback: true})
	if err != nil {
		t.Fatalf("new loopback host: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestLoopbackHostsConnectAndPing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct{ name, listen string }{
		{"tcp", "/ip4/127.0.0.1/tcp/0"},
		{"quic", "/ip4/127.0.0.1/udp/0/quic-v1"},
		{"tcp6", "/ip6/::1/tcp/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.listen, "/ip6") {
				if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				} else {
					l.Close()
				}
			}
			a, b := newLoopbackHost(t, tc.listen), newLoopbackHost(t, tc.listen)
			if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
				t.Fatalf("connect: %v", err)
			}
			res := <-ping.Ping(ctx, a, b.ID())
			if res.Error != nil {
				t.Fatalf("ping: %v", res.Error)
			}
			t.Logf("ping over %s: %v", tc.name, res.RTT)
		})
	}
}

func TestLoopbackHostRefusesNonLoopbackDial(t *testing.T) {
	h := newLoopbackHost(t)
	other, err := peer.IDFromPrivateKey(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	// TEST-NET-1 (RFC 5737): routed nowhere, and never sent a packet here
	// because the gater refuses it first.
	addr := ma.StringCast("/ip4/192.0.2.1/tcp/4001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err = h.Connect(ctx, peer.AddrInfo{ID: other, Addrs: []ma.Multiaddr{addr}})
	if err == nil {
		t.Fatal("dialing a non-loopback address succeeded")
	}
	if !errors.Is(err, swarm.ErrGaterDisallowedConnection) || !strings.Contains(err.Error(), "gater disallows") {
		t.Fatalf("dial error %q is not the gater's refusal", err)
	}
	// A refused address is never dialed: no connection attempt, no timeout.
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusal took %v: the address was dialed", d)
	}
	if n := len(h.Network().Conns()); n != 0 {
		t.Errorf("%d connections open after a refused dial", n)
	}
}

// TestNoDNS checks the resolver a loopback host uses: it resolves nothing,
// so no DNS query ever leaves the machine. (The host's use of it is checked
// in TestOptions, not by dialing a DNS address, which would send a query if
// the option were ever lost.)
func TestNoDNS(t *testing.T) {
	a := ma.StringCast("/dns4/example.com/tcp/4001")
	if _, err := (noDNS{}).ResolveDNSComponent(context.Background(), a, 10); !errors.Is(err, errNoDNS) {
		t.Errorf("ResolveDNSComponent: %v", err)
	}
	if _, err := (noDNS{}).ResolveDNSAddr(context.Background(), "", ma.StringCast("/dnsaddr/example.com"), 4, 10); !errors.Is(err, errNoDNS) {
		t.Errorf("ResolveDNSAddr: %v", err)
	}
}

func TestLoopbackRejectsNonLoopbackListen(t *testing.T) {
	for _, listen := range []string{"/ip4/0.0.0.0/tcp/0", "/ip4/192.0.2.1/udp/0/quic-v1", "/ip6/::/tcp/0"} {
		_, err := New(Config{Key: newKey(t), Listen: []string{"/ip4/127.0.0.1/tcp/0", listen}, Loopback: true})
		if err == nil || !strings.Contains(err.Error(), "not a loopback address") || !strings.Contains(err.Error(), listen) {
			t.Errorf("listen %s: error %v, want a clear loopback refusal", listen, err)
		}
	}
}

func TestListenAddressErrors(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{
		{"not a multiaddr", `parse listen address "not a multiaddr"`},
		{"/ip4/127.0.0.1/tcp/99999", `parse listen address "/ip4/127.0.0.1/tcp/99999"`},
		{"/ip4/127.0.0.1/udp/0", "want /tcp/<port> or /udp/<port>/quic-v1"},
		{"/dns4/localhost/tcp/0", "want an /ip4 or /ip6 address"},
		{"/ip4/127.0.0.1/udp/0/quic-v1/webtransport", "want /tcp/<port> or /udp/<port>/quic-v1"},
	} {
		_, err := New(Config{Key: newKey(t), Listen: []string{tc.listen}, Loopback: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("listen %q: error %v, want it to mention %q", tc.listen, err, tc.want)
		}
	}
}

// TestListenPortTaken: a listen port another program holds is said as
// such, with what to do, also when another address asked for works.
func TestListenPortTaken(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := "/ip4/127.0.0.1/tcp/" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_, err = New(Config{Key: newKey(t), Listen: []string{taken}, Loopback: true})
	if !errors.Is(err, ErrListenTaken) || !strings.Contains(err.Error(), "--listen") {
		t.Errorf("a taken port: %v", err)
	}
	// libp2p starts when one address works: the taken one is an error
	// all the same.
	_, err = New(Config{Key: newKey(t), Listen: []string{taken, "/ip4/127.0.0.1/udp/0/quic-v1"}, Loopback: true})
	if !errors.Is(err, ErrListenTaken) || !strings.Contains(err.Error(), taken) {
		t.Errorf("a taken port beside a free one: %v", err)
	}
	h, err := New(Config{Key: newKey(t), Listen: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}, Loopback: true})
	if err != nil {
		t.Fatalf("two free addresses: %v", err)
	}
	h.Close()
}

func TestConfigErrors(t *testing.T) {
	if _, err := New(Config{Loopback: true}); err == nil || !strings.Contains(err.Error(), "no node key") {
		t.Errorf("no key: error %v", err)
	}
	ecdsa, _, err := crypto.GenerateECDSAKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Key: ecdsa, Loopback: true}); err == nil || !strings.Contains(err.Error(), "want Ed25519") {
		t.Errorf("ECDSA key: error %v", err)
	}
	relay := peer.AddrInfo{ID: "12D3KooWRelay", Addrs: nil}
	if _, err := New(Config{Key: newKey(t), Loopback: true, Relays: []peer.AddrInfo{relay}}); err == nil || !strings.Contains(err.Error(), "relays cannot be used") {
		t.Errorf("relays on a loopback host: error %v", err)
	}
	if _, err := New(Config{Key: newKey(t), Loopback: true, Anchor: true}); err == nil || !strings.Contains(err.Error(), "cannot be an anchor") {
		t.Errorf("loopback anchor: error %v", err)
	}
}

func TestLoopbackAddressesAreLoopback(t *testing.T) {
	a, b := newLoopbackHost(t), newLoopbackHost(t)
	if len(a.Addrs()) < 2 {
		t.Fatalf("default loopback host listens on %v, want TCP and QUIC", a.Addrs())
	}
	var tcp, quic bool
	for _, addr := range a.Addrs() {
		if !manet.IsIPLoopback(addr) {
			t.Errorf("loopback host advertises %s", addr)
		}
		_, err := addr.ValueForProtocol(ma.P_QUIC_V1)
		quic = quic || err == nil
		_, err = addr.ValueForProtocol(ma.P_TCP)
		tcp = tcp || err == nil
	}
	if !tcp || !quic {
		t.Errorf("default loopback host listens on %v, want TCP and QUIC", a.Addrs())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatal(err)
	}
	// What b learns of a through identify is loopback too. Identify runs
	// right after the connection; wait for it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := b.Peerstore().SupportsProtocols(a.ID(), ping.ID); err == nil && len(b.Peerstore().Addrs(a.ID())) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("identify did not complete")
		}
	}
	for _, addr := range b.Peerstore().Addrs(a.ID()) {
		if !manet.IsIPLoopback(addr) {
			t.Errorf("peer learned non-loopback address %s", addr)
		}
	}
}

// TestOptions checks which NAT traversal services each mode asks for,
// without starting a non-loopback host (whose UPnP discovery would send
// multicast traffic on the test machine's network).
func TestOptions(t *testing.T) {
	for _, loopback := range []bool{true, false} {
		opts, err := options(Config{Key: newKey(t), Loopback: loopback})
		if err != nil {
			t.Fatal(err)
		}
		var cfg config.Config
		if err := cfg.Apply(opts...); err != nil {
			t.Fatal(err)
		}
		if got := cfg.NATManager != nil; got == loopback {
			t.Errorf("loopback %v: NAT port mapping %v", loopback, got)
		}
		if cfg.Relay == loopback || cfg.EnableHolePunching == loopback {
			t.Errorf("loopback %v: relay %v, hole punching %v", loopback, cfg.Relay, cfg.EnableHolePunching)
		}
		if cfg.EnableRelayService || cfg.AutoNATConfig.EnableService || cfg.EnableAutoNATv2 {
			t.Errorf("loopback %v: relay service %v, AutoNAT service %v, AutoNAT v2 %v", loopback, cfg.EnableRelayService, cfg.AutoNATConfig.EnableService, cfg.EnableAutoNATv2)
		}
		if got := cfg.ConnectionGater != nil; got != loopback {
			t.Errorf("loopback %v: connection gater %v", loopback, got)
		}
		if _, got := cfg.MultiaddrResolver.(noDNS); got != loopback {
			t.Errorf("loopback %v: DNS refused %v", loopback, got)
		}
		want := loopbackListen
		if !loopback {
			want = defaultListen
		}
		if len(cfg.ListenAddrs) != len(want) {
			t.Errorf("loopback %v: listen %v, want %v", loopback, cfg.ListenAddrs, want)
		}
	}
}

// TestConnRateLimitOnTheInternetOnly: new connections to or from one
// address on a private network (a LAN's members' nodes restarting) are
// not rate-limited; one address on the internet gets go-libp2p's burst,
// then is refused until the limit refills.
func TestConnRateLimitOnTheInternetOnly(t *testing.T) {
	rm, err := resourceManager()
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	open := func(addr string) int {
		t.Helper()
		ok := 0
		for range 50 {
			scope, err := rm.OpenConnection(network.DirOutbound, true, ma.StringCast(addr))
			if err == nil {
				ok++
				scope.Done()
			}
		}
		return ok
	}
	for _, lan := range []string{"/ip4/10.1.0.3/tcp/4001", "/ip4/192.168.1.20/udp/4001/quic-v1", "/ip6/fd00::3/tcp/4001", "/ip4/127.0.0.1/tcp/4001"} {
		if n := open(lan); n != 50 {
			t.Errorf("%s: %d of 50 connections allowed at once", lan, n)
		}
	}
	if n := open("/ip4/203.0.113.5/tcp/4001"); n < 10 || n > 20 {
		t.Errorf("an internet address: %d of 50 connections allowed at once, want about the burst of 16", n)
	}
}
