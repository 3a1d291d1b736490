package host

import (
	"fmt"
	"net"
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

// listenKey is what identifies a listen address: its IP, its transport
// (tcp, or udp for QUIC) and its port.
func listenKey(a ma.Multiaddr) (ip, transport, port string) {
	if v, err := a.ValueForProtocol(ma.P_IP4); err == nil {
		ip = v
	} else if v, err := a.ValueForProtocol(ma.P_IP6); err == nil {
		ip = v
	}
	if v, err := a.ValueForProtocol(ma.P_TCP); err == nil {
		return ip, "tcp", v
	}
	if v, err := a.ValueForProtocol(ma.P_UDP); err == nil {
		return ip, "udp", v
	}
	return ip, "", ""
}

// unheard returns the listen addresses asked for that the host got none
// for: libp2p starts as long as one address works, dropping the others
// without a word.
func unheard(asked, got []ma.Multiaddr) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, a := range asked {
		ip, tr, port := listenKey(a)
		if !slices.ContainsFunc(got, func(g ma.Multiaddr) bool {
			gip, gtr, gport := listenKey(g)
			return gip == ip && gtr == tr && (port == "0" || gport == port)
		}) {
			out = append(out, a)
		}
	}
	return out
}

// whyNotListen finds out why a listen address failed, by trying it: the
// error, or nil if it works now.
func whyNotListen(a ma.Multiaddr) error {
	ip, tr, port := listenKey(a)
	hostPort := net.JoinHostPort(ip, port)
	switch tr {
	case "tcp":
		l, err := net.Listen("tcp", hostPort)
		if err != nil {
			return err
		}
		return l.Close()
	case "udp":
		c, err := net.ListenPacket("udp", hostPort)
		if err != nil {
			return err
		}
		return c.Close()
	}
	return nil
}
