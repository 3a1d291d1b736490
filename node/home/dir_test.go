package home

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDefaultDirEnv(t *testing.T) {
	base := t.TempDir()
	t.Setenv("KITH_HOME", filepath.Join(base, "explicit"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(base, "xdg"))
	if got, err := DefaultDir(); err != nil || got != filepath.Join(base, "explicit") {
		t.Errorf("with KITH_HOME: DefaultDir() = %q, %v", got, err)
	}
	t.Setenv("KITH_HOME", "")
	got, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	switch goos := runtime.GOOS; goos {
	case "windows", "darwin", "ios":
		t.Logf("XDG_DATA_HOME does not apply on %s; DefaultDir() = %q", goos, got)
	default:
		if want := filepath.Join(base, "xdg", "kith"); got != want {
			t.Errorf("with XDG_DATA_HOME: DefaultDir() = %q, want %q", got, want)
		}
	}
}

func TestDefaultDirPerOS(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	noHome := func() (string, error) { return "", errors.New("$HOME is not defined") }
	tests := []struct {
		goos string
		env  map[string]string
		home func() (string, error)
		want string // "" means an error is expected
	}{
		{"linux", map[string]string{"KITH_HOME": "/k/"}, noHome, "/k"},
		{"linux", nil, home, filepath.Join("/home/u", ".local", "share", "kith")},
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, home, filepath.Join("/data", "kith")},
		{"linux", map[string]string{"XDG_DATA_HOME": "relative"}, home, filepath.Join("/home/u", ".local", "share", "kith")},
		{"freebsd", nil, home, filepath.Join("/home/u", ".local", "share", "kith")},
		{"linux", nil, noHome, ""},
		{"darwin", map[string]string{"XDG_DATA_HOME": "/data"}, home, filepath.Join("/home/u", "Library", "Application Support", "Kith")},
		{"darwin", nil, noHome, ""},
		{"windows", map[string]string{"LocalAppData": "/lad"}, home, filepath.Join("/lad", "Kith")},
		{"windows", nil, home, ""},
	}
	for _, tt := range tests {
		got, err := defaultDir(tt.goos, func(k string) string { return tt.env[k] }, tt.home)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s %v: got %q, want an error", tt.goos, tt.env, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %v: got %q, %v; want %q", tt.goos, tt.env, got, err, tt.want)
		}
	}
}
