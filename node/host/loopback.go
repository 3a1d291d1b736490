package host

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// loopbackGater refuses every connection to or from an address that is not
// loopback. The swarm asks it before dialing an address, so a refused
// address is never sent a packet.
type loopbackGater struct{}

// InterceptPeerDial allows every peer: addresses are checked one by one.
func (loopbackGater) InterceptPeerDial(peer.ID) bool { return true }

// InterceptAddrDial allows dialing loopback addresses only.
func (loopbackGater) InterceptAddrDial(_ peer.ID, a ma.Multiaddr) bool {
	return manet.IsIPLoopback(a)
}

// InterceptAccept allows inbound connections from loopback addresses only.
func (loopbackGater) InterceptAccept(c network.ConnMultiaddrs) bool {
	return manet.IsIPLoopback(c.RemoteMultiaddr())
}

// InterceptSecured checks the remote address again once the peer is known,
// for connections that did not pass through InterceptAccept.
func (loopbackGater) InterceptSecured(_ network.Direction, _ peer.ID, c network.ConnMultiaddrs) bool {
	return manet.IsIPLoopback(c.RemoteMultiaddr())
}

// InterceptUpgraded allows every connection that got this far.
func (loopbackGater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}

// loopbackOnly is the address factory of a loopback host: it advertises
// only its loopback addresses, whatever identify reports having observed.
func loopbackOnly(addrs []ma.Multiaddr) []ma.Multiaddr {
	return slices.DeleteFunc(slices.Clone(addrs), func(a ma.Multiaddr) bool { return !manet.IsIPLoopback(a) })
}

// errNoDNS is what a loopback host answers for any DNS address: resolving
// it would send a query to a resolver that may not be on this machine.
var errNoDNS = errors.New("loopback-only host does not resolve DNS addresses")

// noDNS is the multiaddr resolver of a loopback host.
type noDNS struct{}

// ResolveDNSAddr refuses to resolve /dnsaddr addresses.
func (noDNS) ResolveDNSAddr(_ context.Context, _ peer.ID, a ma.Multiaddr, _, _ int) ([]ma.Multiaddr, error) {
	return nil, fmt.Errorf("resolve %s: %w", a, errNoDNS)
}

// ResolveDNSComponent refuses to resolve /dns, /dns4 and /dns6 addresses.
func (noDNS) ResolveDNSComponent(_ context.Context, a ma.Multiaddr, _ int) ([]ma.Multiaddr, error) {
	return nil, fmt.Errorf("resolve %s: %w", a, errNoDNS)
}
