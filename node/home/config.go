package home

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/protocol"
)

// DefaultAPI is the default address of the node's local API. It is on the
// loopback interface so only this machine can reach it.
const DefaultAPI = "127.0.0.1:7732"

// The daemon's log formats (the log_format setting).
const (
	LogText = "text" // slog's key=value lines
	LogJSON = "json" // one JSON object a line
)

// Config is the node configuration kept in config.toml. Every flag of
// `kith daemon` has a key here, named as the flag with "-" written "_"
// (--log-level is log_level); a flag given on the command line wins over
// the file, and the file over DefaultConfig.
//
// Config holds no secret (the keys and the API token are separate files),
// so it may be printed whole; `kith config show` prints nothing else.
type Config struct {
	// Name is the member's display name; it may be empty.
	Name string `toml:"name" json:"name"`
	// Listen lists the libp2p multiaddrs the node listens on for peers.
	Listen []string `toml:"listen" json:"listen"`
	// API is the host:port of the node's local API.
	API string `toml:"api" json:"api"`
	// Bootstrap lists peers (multiaddrs ending in /p2p/<peer id>) the node
	// connects to when it starts.
	Bootstrap []string `toml:"bootstrap" json:"bootstrap"`
	// Relays lists relay nodes (multiaddrs ending in /p2p/<peer id>) the
	// node may reserve a slot on when it is behind a NAT.
	Relays []string `toml:"relays" json:"relays"`
	// Anchor says this node has a public address and stays on, like an
	// organisation's always-on node: it then relays connections for
	// members behind NAT and answers their reachability probes.
	Anchor bool `toml:"anchor" json:"anchor"`
	// Loopback confines the node to 127.0.0.1: it listens on, dials and
	// advertises no other address, and uses no mDNS or NAT port mapping.
	Loopback bool `toml:"loopback" json:"loopback"`
	// NoSearch says to keep no full-text search index.
	NoSearch bool `toml:"no_search" json:"no_search"`
	// LogLevel is the least severe level the daemon logs: debug, info,
	// warn or error.
	LogLevel string `toml:"log_level" json:"log_level"`
	// LogFormat is how the daemon writes its log to standard error:
	// LogText or LogJSON.
	LogFormat string `toml:"log_format" json:"log_format"`
	// MaxFileMB bounds the attachments (files) this node keeps, in MiB.
	MaxFileMB int `toml:"max_file_mb" json:"max_file_mb"`
	// AutoFetchMB bounds the attachments this node fetches as soon as a
	// record names them, in MiB; larger ones are fetched on demand. 0
	// fetches none automatically.
	AutoFetchMB int `toml:"auto_fetch_mb" json:"auto_fetch_mb"`
	// MemoryMB is a soft limit on the daemon's memory, in MiB: near it,
	// the garbage collector works harder rather than let the heap grow
	// to twice what is live (an import or a join of a big community ran
	// a daemon up to 1.4 GB without one). 0: no limit. GOMEMLIMIT in the
	// environment wins over it.
	MemoryMB int `toml:"memory_mb" json:"memory_mb"`
}

// Attachment limits by default, in MiB.
const (
	DefaultMaxFileMB   = 100
	DefaultAutoFetchMB = 25
	maxFileMB          = 4096 // the protocol's bound on one file
)

// DefaultMemoryMB is the daemon's soft memory limit by default, in MiB,
// and minMemoryMB the least it may be set to (an empty node's Go heap and
// caches are about 60 MiB; below this the collector would run all the
// time).
const (
	DefaultMemoryMB = 512
	minMemoryMB     = 128
)

// DefaultConfig returns the configuration a new home starts with: listen on
// every interface over TCP and QUIC on ports the OS picks, API on loopback,
// search on, log at info level as text.
func DefaultConfig() Config {
	return Config{
		Listen:      []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"},
		API:         DefaultAPI,
		Bootstrap:   []string{},
		Relays:      []string{},
		LogLevel:    "info",
		LogFormat:   LogText,
		MaxFileMB:   DefaultMaxFileMB,
		AutoFetchMB: DefaultAutoFetchMB,
		MemoryMB:    DefaultMemoryMB,
	}
}

// Setting is one key of a Config with its value.
type Setting struct {
	Key   string
	Value any
}

// Settings lists c's settings in the order of the struct, which is the
// order config.toml and `kith config show` list them in.
func (c Config) Settings() []Setting {
	v := reflect.ValueOf(c)
	t := v.Type()
	out := make([]Setting, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, Setting{Key: t.Field(i).Tag.Get("toml"), Value: v.Field(i).Interface()})
	}
	return out
}

// ConfigKeys returns every key config.toml may set, in file order.
func ConfigKeys() []string {
	var keys []string
	for _, s := range (Config{}).Settings() {
		keys = append(keys, s.Key)
	}
	return keys
}

// Check validates every setting. Its errors start with the key at fault,
// so that with the file's path in front they say exactly what to fix.
func (c Config) Check() error {
	if err := checkName(c.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	for i, a := range c.Listen {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			return fmt.Errorf("listen[%d] %q: not a multiaddr: %w", i, a, err)
		}
	}
	if err := CheckAPIAddr(c.API); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"bootstrap", c.Bootstrap}, {"relays", c.Relays}} {
		for i, a := range list.addrs {
			if err := CheckPeerAddr(a); err != nil {
				return fmt.Errorf("%s[%d]: %w", list.key, i, err)
			}
		}
	}
	if c.Anchor && c.Loopback {
		return errors.New("anchor and loopback are both true, but they exclude each other: an anchor serves nodes on other machines")
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return fmt.Errorf("log_level: %w", err)
	}
	if err := CheckLogFormat(c.LogFormat); err != nil {
		return fmt.Errorf("log_format: %w", err)
	}
	if err := CheckMemoryMB(c.MemoryMB); err != nil {
		return fmt.Errorf("memory_mb: %w", err)
	}
	return CheckFileLimits(c.MaxFileMB, c.AutoFetchMB)
}

// CheckMemoryMB checks memory_mb: 0 (no limit), or at least minMemoryMB.
func CheckMemoryMB(mb int) error {
	if mb != 0 && (mb < minMemoryMB || mb > 1<<24) {
		return fmt.Errorf("%d is not 0 (no limit) nor from %d to %d MiB", mb, minMemoryMB, 1<<24)
	}
	return nil
}

// CheckFileLimits checks max_file_mb and auto_fetch_mb together.
func CheckFileLimits(maxMB, autoMB int) error {
	if maxMB < 1 || maxMB > maxFileMB {
		return fmt.Errorf("max_file_mb: %d is not from 1 to %d", maxMB, maxFileMB)
	}
	if autoMB < 0 || autoMB > maxMB {
		return fmt.Errorf("auto_fetch_mb: %d is not from 0 to max_file_mb (%d)", autoMB, maxMB)
	}
	return nil
}

// CheckAPIAddr checks that addr is a host:port on the loopback interface,
// the only place the local API may listen.
func CheckAPIAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address: the API must only be reachable from this machine", addr)
	}
	return nil
}

// CheckPeerAddr checks that addr is a multiaddr naming a peer, as
// bootstrap peers and relays must be.
func CheckPeerAddr(addr string) error {
	ma, err := multiaddr.NewMultiaddr(addr)
	if err != nil {
		return fmt.Errorf("%q is not a multiaddr: %w", addr, err)
	}
	if _, err := peer.AddrInfoFromP2pAddr(ma); err != nil {
		return fmt.Errorf("%q must end in /p2p/<peer id>: %w", addr, err)
	}
	return nil
}

// ParseLogLevel parses a log level name: debug, info, warn or error, in
// any case.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not a log level: want debug, info, warn or error", s)
}

// CheckLogFormat checks a log format name: LogText or LogJSON.
func CheckLogFormat(s string) error {
	if s != LogText && s != LogJSON {
		return fmt.Errorf("%q is not a log format: want %s or %s", s, LogText, LogJSON)
	}
	return nil
}

// ConfigSource says where a setting's value came from.
type ConfigSource string

// Where a setting's value came from.
const (
	FromDefault ConfigSource = "default" // DefaultConfig: the file does not set it
	FromFile    ConfigSource = "file"    // the config file
)

// ConfigInfo is a home's config file read over the defaults.
type ConfigInfo struct {
	// Path is the config file's path.
	Path string
	// Exists is false when there is no file yet (a home before its first
	// run): Config is then DefaultConfig.
	Exists bool
	// Config is the file's settings over DefaultConfig.
	Config Config
	// Sources says, for every key, where its value came from.
	Sources map[string]ConfigSource
}

// ConfigPath returns the path of the home's config file.
func (h Home) ConfigPath() string { return h.path(ConfigFile) }

// ReadConfig reads config.toml like LoadConfig, but a missing file is not
// an error: the defaults stand in for it, as they do on a first run.
func (h Home) ReadConfig() (ConfigInfo, error) {
	info := ConfigInfo{Path: h.ConfigPath(), Config: DefaultConfig(), Sources: make(map[string]ConfigSource)}
	for _, k := range ConfigKeys() {
		info.Sources[k] = FromDefault
	}
	data, err := os.ReadFile(info.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return info, nil
	}
	if err != nil {
		return ConfigInfo{}, fmt.Errorf("read config: %w", err)
	}
	cfg, set, err := parseConfigKeys(data)
	if err != nil {
		return ConfigInfo{}, fmt.Errorf("read config %s: %w", info.Path, err)
	}
	info.Exists, info.Config = true, cfg
	for _, k := range set {
		info.Sources[k] = FromFile
	}
	return info, nil
}

// LoadConfig reads config.toml. Keys missing from the file keep their
// DefaultConfig values; unknown keys and bad values are errors naming the
// file and the key, so a misspelt setting is reported rather than silently
// ignored. A missing file is written with the defaults (as on the first
// run; `kith config show` reads a missing file as the defaults too).
func (h Home) LoadConfig() (Config, error) {
	path := h.ConfigPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := h.repairConfig(); err != nil {
			return Config{}, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("read config %s: %w", path, err)
	}
	return cfg, nil
}

// parseConfig decodes a config file over the defaults and checks it.
func parseConfig(data []byte) (Config, error) {
	cfg, _, err := parseConfigKeys(data)
	return cfg, err
}

// parseConfigKeys is parseConfig that also returns the keys the file sets.
func parseConfigKeys(data []byte) (Config, []string, error) {
	cfg := DefaultConfig()
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return Config{}, nil, err
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return Config{}, nil, fmt.Errorf("unknown setting %q (the settings are %s)",
			undecoded[0].String(), strings.Join(ConfigKeys(), ", "))
	}
	if err := cfg.Check(); err != nil {
		return Config{}, nil, err
	}
	var set []string
	for _, k := range ConfigKeys() {
		if md.IsDefined(k) {
			set = append(set, k)
		}
	}
	return cfg, set, nil
}

// checkName checks a display name with the rule records use, so that a
// name accepted here is never refused when it is published.
func checkName(name string) error {
	if err := protocol.CheckName(name); err != nil {
		return fmt.Errorf("display name: %w", err)
	}
	return nil
}

// configComments explains each setting in the file renderConfig writes.
var configComments = map[string]string{
	"name": "Your display name: published as your profile in the communities you create\n" +
		"or join until you publish one with more (kith profile set).",
	"listen": "Addresses (libp2p multiaddrs) this node listens on for other nodes.\n" +
		"Port 0 lets the operating system pick a free port.",
	"api": "Address of the node's local API, used by the kith command and apps.\n" +
		"Keep it on the loopback address so only this machine can reach it.",
	"bootstrap": "Peers to connect to at start (multiaddrs ending in /p2p/<peer id>),\n" +
		"for example an always-on node of your organisation.",
	"relays": "Relay nodes to use when this machine is behind a NAT (multiaddrs ending\n" +
		"in /p2p/<peer id>).",
	"anchor": "true on an always-on node with a public address: it then relays\n" +
		"connections for members behind NAT, as the relays setting of their nodes\n" +
		"names it, and tells them whether they are reachable.",
	"loopback": "true to use 127.0.0.1 only: listen on, dial and advertise no other\n" +
		"address, no mDNS, no NAT port mapping (for tests).",
	"no_search": "true to keep no full-text search index, on a node nobody searches on\n" +
		"(such as an anchor).",
	"log_level": "How much the daemon logs: debug, info, warn or error.",
	"max_file_mb": "The largest attachment (a file on a post, reply, note or event) this\n" +
		"node keeps, in MiB.",
	"auto_fetch_mb": "Attachments up to this size (MiB) are fetched as soon as a record\n" +
		"names them; larger ones when asked (kith attachment get). 0: none.",
	"memory_mb": "A soft limit on the daemon's memory, in MiB: near it the garbage\n" +
		"collector works harder (an import or the join of a big community takes\n" +
		"longer) rather than let memory grow. 0: no limit. GOMEMLIMIT in the\n" +
		"environment wins over it.",
	"log_format": "How the daemon writes its log (to standard error): text (key=value\n" +
		"lines) or json (one JSON object a line).",
}

// renderConfig writes cfg as a commented TOML file.
func renderConfig(cfg Config) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Kith node configuration. Changes take effect when the node restarts.\n")
	b.WriteString("# A flag given to `kith daemon` wins over its setting here (--log-level\n")
	b.WriteString("# over log_level); `kith config show` prints what is in effect.\n")
	for _, s := range cfg.Settings() {
		comment, ok := configComments[s.Key]
		if !ok {
			return nil, fmt.Errorf("encode %s: no comment for it", s.Key)
		}
		line, err := toml.Marshal(map[string]any{s.Key: s.Value})
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", s.Key, err)
		}
		b.WriteString("\n")
		for c := range strings.SplitSeq(comment, "\n") {
			b.WriteString("# " + c + "\n")
		}
		b.Write(line)
	}
	return b.Bytes(), nil
}
