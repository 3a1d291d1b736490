// Package host builds the node's libp2p host. Every option that matters is
// set explicitly (transports, security, resource and connection limits, NAT
// traversal) rather than left to go-libp2p's defaults, which listen on every
// interface and protocol; a loopback mode keeps a host, for tests and local
// development, from sending a single packet beyond 127.0.0.1 and ::1.
package host

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	p2phost "github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/x/rate"
)

// Connection manager watermarks: above connHigh connections the host trims
// back to connLow, sparing connections younger than connGrace. Kith nodes
// talk to the members of a few communities, not to a swarm of strangers.
const (
	connLow   = 64
	connHigh  = 128
	connGrace = time.Minute
)

// Config says how to build a host.
type Config struct {
	// Key is the node key (Ed25519), from the home directory's identity:
	// the host's peer ID derives from it.
	Key crypto.PrivKey
	// Listen lists the multiaddrs to listen on (TCP or QUIC v1 over IPv4
	// or IPv6). When empty, the host listens on a random TCP port and a
	// random QUIC port of every IPv4 interface, or of 127.0.0.1 only with
	// Loopback.
	Listen []string
	// Loopback confines the host to 127.0.0.1 and ::1: it listens, dials,
	// accepts and advertises loopback addresses only, resolves no DNS
	// names, and runs no NAT port mapping, relay or hole punching. Tests
	// and local development use it so that nothing leaves the machine.
	Loopback bool
	// Relays are static relay nodes the host reserves a slot on, taking
	// itself to be behind a NAT: it advertises its addresses through them
	// beside its private ones (not used with Loopback; ignored by an
	// anchor).
	Relays []peer.AddrInfo
	// Anchor declares the host publicly reachable (not used with
	// Loopback): it serves circuit relay reservations, with go-libp2p's
	// limits on their duration and bytes, and AutoNAT dial-backs. An
	// anchor does not guess its reachability: its operator knows it.
	Anchor bool
}

// New builds and starts a libp2p host from cfg. The host owns its resource
// and connection managers: closing the host closes them.
func New(cfg Config) (p2phost.Host, error) {
	opts, err := options(cfg)
	if err != nil {
		return nil, err
	}
	rm, err := resourceManager()
	if err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(connLow, connHigh, connmgr.WithGracePeriod(connGrace))
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("create connection manager: %w", err)
	}
	opts = append(opts, libp2p.ResourceManager(rm), libp2p.ConnectionManager(cm))
	h, err := libp2p.New(opts...)
	if err != nil {
		// libp2p does not close the managers on every failure path; both
		// Close methods tolerate a second call.
		cm.Close()
		rm.Close()
		return nil, listenError(err)
	}
	// libp2p starts as long as one listen address works: the others
	// asked for are an error here, said as such.
	asked, err := listenAddrs(cfg.Listen, cfg.Loopback)
	if err != nil {
		h.Close()
		return nil, err
	}
	if missing := unheard(asked, h.Network().ListenAddresses()); len(missing) > 0 {
		h.Close()
		why := whyNotListen(missing[0])
		if why == nil {
			why = errors.New("libp2p could not listen on it")
		}
		return nil, listenError(fmt.Errorf("listen on %s: %w", missing[0], why))
	}
	return h, nil
}

// listenError says a taken port as such (ErrListenTaken).
func listenError(err error) error {
	if msg := err.Error(); strings.Contains(msg, "address already in use") || strings.Contains(msg, "Only one usage of each socket address") {
		// libp2p formats its listen errors with %s: no errors.Is
		// (EADDRINUSE; WSAEADDRINUSE on Windows).
		return fmt.Errorf("%w (%v)", ErrListenTaken, err)
	}
	return err
}

// ErrListenTaken says that a listen address could not be had: another
// program holds its port.
var ErrListenTaken = errors.New("the listen port is taken by another program (another Kith daemon?): " +
	"stop it, or choose another address with --listen")

// options turns cfg into libp2p options, all but the resource and
// connection managers (which New creates once cfg is known to be valid).
func options(cfg Config) ([]libp2p.Option, error) {
	if cfg.Key == nil {
		return nil, errors.New("host config: no node key")
	}
	if t := cfg.Key.Type(); t != crypto.Ed25519 {
		return nil, fmt.Errorf("host config: node key is %s, want Ed25519", t)
	}
	listen, err := listenAddrs(cfg.Listen, cfg.Loopback)
	if err != nil {
		return nil, err
	}
	quicT, err := quicTransport(time.Now())
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Key),
		libp2p.ListenAddrs(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		quicT,
		security, // clock.go
		libp2p.DefaultMuxers,
		libp2p.DialRanker(dialRanker),
	}
	if cfg.Loopback {
		if len(cfg.Relays) > 0 {
			return nil, errors.New("host config: relays cannot be used by a loopback-only host")
		}
		if cfg.Anchor {
			return nil, errors.New("host config: a loopback-only host cannot be an anchor")
		}
		return append(opts,
			libp2p.ConnectionGater(loopbackGater{}),
			libp2p.AddrsFactory(loopbackOnly),
			libp2p.MultiaddrResolver(noDNS{}),
			libp2p.DisableRelay(),
			libp2p.DisableIdentifyAddressDiscovery(),
			// A loopback host is reachable by no one outside: saying so
			// keeps AutoNAT from probing for a public address.
			libp2p.ForceReachabilityPrivate(),
		), nil
	}
	opts = append(opts,
		libp2p.EnableRelay(),
		libp2p.EnableHolePunching(),
		libp2p.NATPortMap(),
	)
	if len(cfg.Relays) > 0 && !cfg.Anchor {
		// Naming relays says the node is behind a NAT. AutoNAT cannot be
		// left to find that out: it needs several public peers to ask,
		// and until it decides, go-libp2p neither reserves a relay slot
		// nor advertises relayed addresses, so a small community would
		// never reach the node.
		opts = append(opts,
			libp2p.EnableAutoRelayWithStaticRelays(cfg.Relays),
			libp2p.ForceReachabilityPrivate(),
		)
	}
	if cfg.Anchor {
		opts = append(opts,
			libp2p.ForceReachabilityPublic(),
			libp2p.EnableRelayService(),
			libp2p.EnableNATService(),
		)
	}
	return opts, nil
}

// resourceManager limits what peers can make the host spend (connections,
// streams, memory, file descriptors), scaled to this machine, with
// go-libp2p's default limits for its own services and protocols.
func resourceManager() (network.ResourceManager, error) {
	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale()), rcmgr.WithConnRateLimiters(connRateLimiter()))
	if err != nil {
		return nil, fmt.Errorf("create resource manager: %w", err)
	}
	return rm, nil
}

// connRateLimiter is go-libp2p's limit on new connections per address
// (after a burst of 16, one every 5 s for an IPv4 address), for
// addresses on the internet only. On a private network (an office LAN,
// found by mDNS) members' nodes restart, sleep and wake often: with the
// limit, a node that many peers redialled could neither reach them nor
// be reached for minutes, its own retries using up what the limit allows
// (seen in the network lab's churn test: one node two records behind a
// minute after the others). Loopback is unlimited as in go-libp2p.
func connRateLimiter() *rate.Limiter {
	unlimited := func(prefixes ...string) []rate.PrefixLimit {
		var out []rate.PrefixLimit
		for _, p := range prefixes {
			out = append(out, rate.PrefixLimit{Prefix: netip.MustParsePrefix(p)})
		}
		return out
	}
	return &rate.Limiter{
		NetworkPrefixLimits: unlimited("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
			"169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"),
		SubnetRateLimiter: rate.SubnetLimiter{
			IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: rate.Limit{RPS: 0.2, Burst: 16}}},
			IPv6SubnetLimits: []rate.SubnetLimit{
				{PrefixLength: 56, Limit: rate.Limit{RPS: 0.2, Burst: 16}},
				{PrefixLength: 48, Limit: rate.Limit{RPS: 0.5, Burst: 80}},
			},
			GracePeriod: time.Minute,
		},
	}
}
