package host

import (
	"fmt"
	"slices"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Default listen addresses: a random TCP port and a random QUIC port.
var (
	defaultListen  = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"}
	loopbackListen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
)

// DefaultListen returns the addresses a host listens on when given none.
func DefaultListen(loopback bool) []string {
	if loopback {
		return slices.Clone(loopbackListen)
	}
	return slices.Clone(defaultListen)
}

// listenAddrs parses and checks the listen addresses, or returns the
// defaults when there are none. libp2p starts as long as one address
// works, silently dropping the others, so every address is checked here.
func listenAddrs(listen []string, loopback bool) ([]ma.Multiaddr, error) {
	if len(listen) == 0 {
		listen = defaultListen
		if loopback {
			listen = loopbackListen
		}
	}
	addrs := make([]ma.Multiaddr, 0, len(listen))
	for _, s := range listen {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("parse listen address %q: %w", s, err)
		}
		if err := checkListen(a); err != nil {
			return nil, fmt.Errorf("parse listen address %q: %w", s, err)
		}
		if loopback && !manet.IsIPLoopback(a) {
			return nil, fmt.Errorf("listen address %q is not a loopback address (127.0.0.0/8 or ::1), and the host is loopback-only", s)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// checkListen accepts the two forms this host listens on:
// /ip4|ip6/<address>/tcp/<port> and /ip4|ip6/<address>/udp/<port>/quic-v1.
func checkListen(a ma.Multiaddr) error {
	codes := make([]int, len(a))
	for i, c := range a {
		codes[i] = c.Code()
	}
	if len(codes) == 0 || (codes[0] != ma.P_IP4 && codes[0] != ma.P_IP6) {
		return fmt.Errorf("want an /ip4 or /ip6 address")
	}
	switch {
	case len(codes) == 2 && codes[1] == ma.P_TCP:
	case len(codes) == 3 && codes[1] == ma.P_UDP && codes[2] == ma.P_QUIC_V1:
	default:
		return fmt.Errorf("want /tcp/<port> or /udp/<port>/quic-v1 after the IP address")
	}
	return nil
}
