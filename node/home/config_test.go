package home

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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
	def := DefaultConfig()
	if cfg.Name != name || cfg.API != def.API || !slices.Equal(cfg.Listen, def.Listen) {
		t.Errorf("LoadConfig = %+v, want name %q and defaults %+v", cfg, name, def)
	}
	data, err := os.ReadFile(filepath.Join(h.Dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"name", "listen", "api"} {
		if !strings.Contains(string(data), "#") || !strings.Contains(string(data), "\n"+key+" = ") {
			t.Errorf("config file lacks a %q setting:\n%s", key, data)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
		want                Config
	}{
		{name: "defaults fill gaps", data: `name = "Bo"`,
			want: Config{Name: "Bo", Listen: DefaultConfig().Listen, API: DefaultAPI}},
		{name: "override", data: "listen = []\napi = \"127.0.0.1:1\"",
			want: Config{Listen: []string{}, API: "127.0.0.1:1"}},
		{name: "unknown key", data: `lisen = ["x"]`, wantErr: `unknown setting "lisen"`},
		{name: "bad syntax", data: `name = `, wantErr: ConfigFile},
		{name: "wrong type", data: `api = 7732`, wantErr: ConfigFile},
		{name: "bad name", data: `name = "a\u0007b"`, wantErr: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Home{Dir: t.TempDir()}
			if err := os.WriteFile(filepath.Join(h.Dir, ConfigFile), []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := h.LoadConfig()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Name != tt.want.Name || cfg.API != tt.want.API || !slices.Equal(cfg.Listen, tt.want.Listen) {
				t.Errorf("got %+v, want %+v", cfg, tt.want)
			}
		})
	}
}

func TestLoadConfigMissing(t *testing.T) {
	if _, err := (Home{Dir: t.TempDir()}).LoadConfig(); err == nil {
		t.Error("LoadConfig succeeded without a config file")
	}
}
