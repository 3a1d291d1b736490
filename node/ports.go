package node

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	p2phost "github.com/libp2p/go-libp2p/core/host"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/node/home"
	kithhost "github.com/kith-network/kith/node/host"
)

// Sticky ports: a listen address with port 0 gets the port the node had
// last time, when it is free, so that the addresses other members keep in
// their peer books (and in invite codes given out) stay right across
// restarts. Two members that both restart would otherwise never find each
// other again without mDNS, a bootstrap peer or the DHT.

// ports are the ports last listened on, per transport.
type ports struct {
	TCP int `json:"tcp,omitempty"`
	UDP int `json:"udp,omitempty"`
}

func (n *Node) portsPath() string { return filepath.Join(n.cfg.Home.Dir, home.PortsFile) }

// startHost starts the host on the remembered ports, or, if one of them
// is taken, on the configured ones; then remembers the ports it got.
func (n *Node) startHost(cfg kithhost.Config) (p2phost.Host, error) {
	configured := cfg.Listen
	if len(configured) == 0 {
		configured = kithhost.DefaultListen(cfg.Loopback)
	}
	var last ports
	if data, err := os.ReadFile(n.portsPath()); err == nil {
		json.Unmarshal(data, &last) // a damaged file only means fresh ports
	}
	var stickyErr error
	if sticky := withPorts(configured, last); !slices.Equal(sticky, configured) {
		cfg.Listen = sticky
		h, err := kithhost.New(cfg)
		if err == nil {
			n.rememberPorts(h)
			return h, nil
		}
		stickyErr = err
	}
	cfg.Listen = configured
	h, err := kithhost.New(cfg)
	if err != nil {
		return nil, err // the configured addresses' own trouble, not the last ports'
	}
	if stickyErr != nil {
		n.log.Info("last ports taken, listening on fresh ones", "ports", last, "err", stickyErr)
	}
	n.rememberPorts(h)
	return h, nil
}

// withPorts puts the remembered ports in place of port 0.
func withPorts(addrs []string, p ports) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a
		switch {
		case p.TCP != 0 && strings.HasSuffix(a, "/tcp/0"):
			out[i] = strings.TrimSuffix(a, "0") + strconv.Itoa(p.TCP)
		case p.UDP != 0 && strings.HasSuffix(a, "/udp/0/quic-v1"):
			out[i] = strings.TrimSuffix(a, "0/quic-v1") + strconv.Itoa(p.UDP) + "/quic-v1"
		}
	}
	return out
}

// rememberPorts saves the TCP and UDP ports the host listens on.
func (n *Node) rememberPorts(h p2phost.Host) {
	var p ports
	for _, a := range h.Network().ListenAddresses() {
		if v, err := a.ValueForProtocol(ma.P_TCP); err == nil && p.TCP == 0 {
			p.TCP, _ = strconv.Atoi(v)
		}
		if v, err := a.ValueForProtocol(ma.P_UDP); err == nil && p.UDP == 0 {
			p.UDP, _ = strconv.Atoi(v)
		}
	}
	data, _ := json.Marshal(p)
	if err := writePrivate(n.portsPath(), string(data)+"\n"); err != nil {
		n.log.Warn("remember listen ports", "err", err)
	}
}
