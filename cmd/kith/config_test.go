package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/home"
)

// TestConfigShow: `kith config show` prints the file merged with the
// defaults, says where each value came from, and shows no key material:
// none of the key files' contents or the running daemon's API token, in
// any encoding of them.
func TestConfigShow(t *testing.T) {
	dir := t.TempDir()
	kith(t, nil, "--home", dir, "init", "--name", "Ada").ok(t)
	path := writeConfig(t, dir, "name = \"Ada\"\nlog_level = \"warn\"\nno_search = true\n")
	d := startDaemonAt(t, dir) // so that api.token exists
	d.mustRun(t, "status")

	v := decode[configView](t, d.mustRun(t, "config", "show", "--json"))
	if v.Home != dir || v.File != path || !v.Exists {
		t.Errorf("paths: %+v", v)
	}
	want := home.DefaultConfig()
	want.Name, want.LogLevel, want.NoSearch = "Ada", "warn", true
	if v.Config.Name != want.Name || v.Config.LogLevel != want.LogLevel || !v.Config.NoSearch ||
		v.Config.API != home.DefaultAPI || v.Config.LogFormat != home.LogText || len(v.Config.Listen) != 2 {
		t.Errorf("config %+v, want %+v", v.Config, want)
	}
	for _, key := range home.ConfigKeys() {
		src := home.FromDefault
		if key == "name" || key == "log_level" || key == "no_search" {
			src = home.FromFile
		}
		if v.Sources[key] != src {
			t.Errorf("%s from %q, want %q", key, v.Sources[key], src)
		}
	}

	text := d.mustRun(t, "config", "show")
	for _, re := range []string{
		`(?m)^# home: ` + regexp.QuoteMeta(dir) + `$`,
		`(?m)^# file: ` + regexp.QuoteMeta(path) + `$`,
		`(?m)^log_level +\= "warn" +# file$`,
		`(?m)^no_search +\= true +# file$`,
		`(?m)^api +\= "127\.0\.0\.1:7732" +# default$`,
		`(?m)^log_format +\= "text" +# default$`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("kith config show does not match %s:\n%s", re, text)
		}
	}

	// No secret in any output, in the forms it is kept in or could be
	// printed in.
	var secrets []string
	for _, name := range []string{"member.key", "node.key"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			if line = strings.TrimSpace(line); len(line) >= 8 && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line)
			}
		}
		block, _ := pem.Decode(data)
		if block == nil {
			t.Fatalf("%s is not PEM", name)
		}
		seed := block.Bytes[len(block.Bytes)-32:]
		secrets = append(secrets, hex.EncodeToString(seed), base64.StdEncoding.EncodeToString(seed), base64.RawURLEncoding.EncodeToString(seed))
	}
	token, err := os.ReadFile(filepath.Join(dir, "api.token"))
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, strings.TrimSpace(string(token)))
	for _, out := range []string{text, d.mustRun(t, "config", "show", "--json"), d.mustRun(t, "config", "path")} {
		if strings.Contains(out, "PRIVATE KEY") {
			t.Errorf("output holds a PEM key:\n%s", out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("output holds secret %q:\n%s", s, out)
			}
		}
	}

	if got := strings.TrimSpace(d.mustRun(t, "config", "path")); got != path {
		t.Errorf("kith config path = %q, want %q", got, path)
	}
}

// TestConfigShowWithoutFile: before a first run there is no file, and show
// prints the defaults; a bad file is an error naming the file and the key.
func TestConfigShowWithoutFile(t *testing.T) {
	dir := t.TempDir()
	v := decode[configView](t, kith(t, nil, "--home", dir, "config", "show", "--json").ok(t))
	if v.Exists || v.File != filepath.Join(dir, "config.toml") || v.Config.API != home.DefaultAPI || v.Sources["api"] != home.FromDefault {
		t.Errorf("without a file: %+v", v)
	}
	if out := kith(t, nil, "--home", dir, "config", "show").ok(t); !strings.Contains(out, "no file yet") {
		t.Errorf("without a file, show does not say so:\n%s", out)
	}
	path := writeConfig(t, dir, "log_format = \"xml\"\n")
	r := kith(t, nil, "--home", dir, "config", "show")
	if r.code != 1 || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, `log_format: "xml" is not a log format`) {
		t.Errorf("show with a bad file: exit %d, %q", r.code, r.stderr)
	}
}
