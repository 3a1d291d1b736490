package home

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// A peer address for settings that want one (a well-formed Ed25519 peer id).
const testPeer = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAJ2jbkUSGPWk2Piuf9THa8pBAvu9izS82eSwetxKMpzE"

func TestConfigRoundTrip(t *testing.T) {
	h := newHome(t)
	name := `Ada "the first" \ Lovelace — 数学`
	if _, err := h.Init(InitOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	cfg, err := h.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Name = name
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig = %+v, want %+v", cfg, want)
	}
	data, err := os.ReadFile(filepath.Join(h.Dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	// Every key is in the file Init writes, with a comment above it, so a
	// new setting is never hidden from whoever edits the file.
	lines := strings.Split(string(data), "\n")
	for _, key := range ConfigKeys() {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, key+" = ") })
		if i < 1 || !strings.HasPrefix(lines[i-1], "# ") {
			t.Errorf("config file lacks a commented %q setting:\n%s", key, data)
		}
	}
	// and the file Init wrote says every value comes from it.
	info, err := h.ReadConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range ConfigKeys() {
		if info.Sources[key] != FromFile {
			t.Errorf("%s comes from %q, want the file", key, info.Sources[key])
		}
	}
}

func TestLoadConfig(t *testing.T) {
	def := DefaultConfig()
	with := func(f func(*Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name, data, wantErr string
		want                Config
	}{
		{name: "defaults fill gaps", data: `name = "Bo"`, want: with(func(c *Config) { c.Name = "Bo" })},
		{name: "override", data: "listen = []\napi = \"127.0.0.1:1\"",
			want: with(func(c *Config) { c.Listen, c.API = []string{}, "127.0.0.1:1" })},
		{name: "every daemon setting", data: "loopback = true\nno_search = true\nlog_level = \"DEBUG\"\nlog_format = \"json\"\n" +
			"bootstrap = [\"" + testPeer + "\"]\nrelays = [\"" + testPeer + "\"]\napi = \"localhost:0\"",
			want: with(func(c *Config) {
				c.Loopback, c.NoSearch, c.LogLevel, c.LogFormat = true, true, "DEBUG", "json"
				c.Bootstrap, c.Relays, c.API = []string{testPeer}, []string{testPeer}, "localhost:0"
			})},
		{name: "anchor", data: "anchor = true\nlisten = [\"/ip4/0.0.0.0/tcp/4001\"]",
			want: with(func(c *Config) { c.Anchor, c.Listen = true, []string{"/ip4/0.0.0.0/tcp/4001"} })},
		{name: "unknown key", data: `lisen = ["x"]`, wantErr: `unknown setting "lisen" (the settings are name, listen, api`},
		{name: "bad syntax", data: `name = `, wantErr: ConfigFile},
		{name: "wrong type", data: `api = 7732`, wantErr: ConfigFile},
		{name: "bad name", data: `name = "a\u0007b"`, wantErr: "name: display name:"},
		{name: "bad log level", data: `log_level = "loud"`, wantErr: `log_level: "loud" is not a log level: want debug, info, warn or error`},
		{name: "bad log format", data: `log_format = "xml"`, wantErr: `log_format: "xml" is not a log format: want text or json`},
		{name: "bad listen", data: `listen = ["/ip4/0.0.0.0/tcp/0", "tcp://x"]`, wantErr: `listen[1] "tcp://x": not a multiaddr`},
		{name: "bootstrap without peer id", data: `bootstrap = ["/ip4/127.0.0.1/tcp/1"]`, wantErr: "bootstrap[0]: \"/ip4/127.0.0.1/tcp/1\" must end in /p2p/<peer id>"},
		{name: "bad relay", data: `relays = ["nope"]`, wantErr: `relays[0]: "nope" is not a multiaddr`},
		{name: "api on the network", data: `api = "0.0.0.0:7732"`, wantErr: `api: "0.0.0.0:7732" is not a loopback address`},
		{name: "api without port", data: `api = "127.0.0.1"`, wantErr: `api: "127.0.0.1" is not host:port`},
		{name: "loopback anchor", data: "anchor = true\nloopback = true", wantErr: "anchor and loopback are both true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Home{Dir: t.TempDir()}
			path := filepath.Join(h.Dir, ConfigFile)
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := h.LoadConfig()
			_, rerr := h.ReadConfig()
			if tt.wantErr != "" {
				for _, err := range []error{err, rerr} {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
						t.Fatalf("got %v, want an error naming %s and containing %q", err, path, tt.wantErr)
					}
				}
				return
			}
			if err != nil || rerr != nil {
				t.Fatal(err, rerr)
			}
			if !reflect.DeepEqual(cfg, tt.want) {
				t.Errorf("got %+v, want %+v", cfg, tt.want)
			}
		})
	}
	if err := def.Check(); err != nil {
		t.Errorf("the default config is not valid: %v", err)
	}
}

// TestLoadConfigMissing: a missing config file is written with the
// defaults (the daemon refused to start, and nothing said how to fix it),
// and a file there is never replaced.
func TestLoadConfigMissing(t *testing.T) {
	h := Home{Dir: t.TempDir()}
	cfg, err := h.LoadConfig()
	if err != nil || !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Fatalf("LoadConfig without a file: %+v, %v", cfg, err)
	}
	if info, err := h.ReadConfig(); err != nil || !info.Exists {
		t.Fatalf("no file written: %+v, %v", info, err)
	}
	if err := os.WriteFile(h.ConfigPath(), []byte("name = \"Ada\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := h.LoadConfig(); err != nil || cfg.Name != "Ada" {
		t.Fatalf("LoadConfig of a file: %+v, %v", cfg, err)
	}
	if err := h.repairConfig(); err != nil {
		t.Fatal(err)
	}
	if cfg, err := h.LoadConfig(); err != nil || cfg.Name != "Ada" {
		t.Fatalf("a config file was replaced: %+v, %v", cfg, err)
	}
}

// TestReadConfig: the sources say which values the file sets, and a
// missing file reads as the defaults.
func TestReadConfig(t *testing.T) {
	h := Home{Dir: t.TempDir()}
	info, err := h.ReadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if info.Exists || info.Path != filepath.Join(h.Dir, ConfigFile) || !reflect.DeepEqual(info.Config, DefaultConfig()) {
		t.Errorf("without a file: %+v", info)
	}
	for _, k := range ConfigKeys() {
		if info.Sources[k] != FromDefault {
			t.Errorf("without a file, %s comes from %q", k, info.Sources[k])
		}
	}
	data := "# a comment\nlog_format = \"json\"\nanchor = false\n"
	if err := os.WriteFile(info.Path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err = h.ReadConfig(); err != nil {
		t.Fatal(err)
	}
	if !info.Exists || info.Config.LogFormat != LogJSON || info.Config.LogLevel != "info" {
		t.Errorf("with a file: %+v", info)
	}
	var fromFile []string
	for _, k := range ConfigKeys() {
		if info.Sources[k] == FromFile {
			fromFile = append(fromFile, k)
		}
	}
	if !slices.Equal(fromFile, []string{"anchor", "log_format"}) {
		t.Errorf("keys from the file: %q, want anchor and log_format", fromFile)
	}
}

// TestConfigKeys: the keys follow the struct's tags, toml and json alike,
// and are what Settings lists.
func TestConfigKeys(t *testing.T) {
	want := []string{"name", "listen", "api", "bootstrap", "relays", "anchor", "loopback", "no_search", "log_level", "log_format", "max_file_mb", "auto_fetch_mb", "memory_mb"}
	if got := ConfigKeys(); !slices.Equal(got, want) {
		t.Errorf("ConfigKeys() = %q, want %q", got, want)
	}
	ty := reflect.TypeFor[Config]()
	for i := range ty.NumField() {
		if f := ty.Field(i); f.Tag.Get("json") != f.Tag.Get("toml") {
			t.Errorf("field %s: json key %q differs from toml key %q", f.Name, f.Tag.Get("json"), f.Tag.Get("toml"))
		}
	}
}

func TestParseLogLevel(t *testing.T) {
	for _, s := range []string{"debug", "info", "warn", "error", "WARN"} {
		if _, err := ParseLogLevel(s); err != nil {
			t.Errorf("ParseLogLevel(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "warning", "info+2", "-4"} {
		if _, err := ParseLogLevel(s); err == nil {
			t.Errorf("ParseLogLevel(%q) accepted it", s)
		}
	}
}
