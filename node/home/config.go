package home

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/kith-network/kith/protocol"
)

// DefaultAPI is the default address of the node's local API. It is on the
// loopback interface so only this machine can reach it.
const DefaultAPI = "127.0.0.1:7732"

// Config is the node configuration kept in config.toml.
type Config struct {
	// Name is the member's display name; it may be empty.
	Name string `toml:"name"`
	// Listen lists the libp2p multiaddrs the node listens on for peers.
	Listen []string `toml:"listen"`
	// API is the host:port of the node's local API.
	API string `toml:"api"`
	// Bootstrap lists peers (multiaddrs ending in /p2p/<peer id>) the node
	// connects to when it starts.
	Bootstrap []string `toml:"bootstrap"`
	// Relays lists relay nodes (multiaddrs ending in /p2p/<peer id>) the
	// node may reserve a slot on when it is behind a NAT.
	Relays []string `toml:"relays"`
	// Anchor says this node has a public address and stays on, like an
	// organisation's always-on node: it then relays connections for
	// members behind NAT and answers their reachability probes.
	Anchor bool `toml:"anchor"`
}

// DefaultConfig returns the configuration a new home starts with: listen on
// every interface over TCP and QUIC on ports the OS picks, API on loopback.
func DefaultConfig() Config {
	return Config{
		Listen:    []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"},
		API:       DefaultAPI,
		Bootstrap: []string{},
		Relays:    []string{},
	}
}

// LoadConfig reads config.toml. Keys missing from the file keep their
// DefaultConfig values; unknown keys are an error, so a misspelt setting is
// reported rather than silently ignored.
func (h Home) LoadConfig() (Config, error) {
	path := h.path(ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("read config %s: %w", path, err)
	}
	return cfg, nil
}

// parseConfig decodes a config file over the defaults.
func parseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return Config{}, err
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return Config{}, fmt.Errorf("unknown setting %q", undecoded[0].String())
	}
	if err := checkName(cfg.Name); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkName checks a display name with the rule records use, so that a
// name accepted here is never refused when it is published.
func checkName(name string) error {
	if err := protocol.CheckName(name); err != nil {
		return fmt.Errorf("display name: %w", err)
	}
	return nil
}

// renderConfig writes cfg as a commented TOML file.
func renderConfig(cfg Config) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Kith node configuration. Changes take effect when the node restarts.\n")
	settings := []struct {
		comment, key string
		value        any
	}{
		{"Your display name, shown to the other members of your communities.", "name", cfg.Name},
		{"Addresses (libp2p multiaddrs) this node listens on for other nodes.\n" +
			"Port 0 lets the operating system pick a free port.", "listen", cfg.Listen},
		{"Address of the node's local API, used by the kith command and apps.\n" +
			"Keep it on the loopback address so only this machine can reach it.", "api", cfg.API},
		{"Peers to connect to at start (multiaddrs ending in /p2p/<peer id>),\n" +
			"for example an always-on node of your organisation.", "bootstrap", cfg.Bootstrap},
		{"Relay nodes to use when this machine is behind a NAT (multiaddrs ending\n" +
			"in /p2p/<peer id>).", "relays", cfg.Relays},
		{"true on an always-on node with a public address: it then relays\n" +
			"connections for members behind NAT, as the relays setting of their nodes\n" +
			"names it, and tells them whether they are reachable.", "anchor", cfg.Anchor},
	}
	for _, s := range settings {
		line, err := toml.Marshal(map[string]any{s.key: s.value})
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", s.key, err)
		}
		b.WriteString("\n")
		for c := range strings.SplitSeq(s.comment, "\n") {
			b.WriteString("# " + c + "\n")
		}
		b.Write(line)
	}
	return b.Bytes(), nil
}
