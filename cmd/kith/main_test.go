package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// kithBin is the kith binary built once by TestMain.
var kithBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kith-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kithBin = filepath.Join(dir, "kith")
	if err := goBuild(kithBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// goBuild builds this package to out with extra go build flags.
func goBuild(out string, flags ...string) error {
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, msg)
	}
	return nil
}

// result is the outcome of one kith process.
type result struct {
	code           int
	stdout, stderr string
}

// kith runs the binary with args in a clean environment plus env, whose
// HOME is a fresh temporary directory so no real home is ever touched.
func kith(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runBin(t, kithBin, env, args...)
}

func runBin(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	return runBinIn(t, bin, env, nil, args...)
}

// runBinIn is runBin with stdin as the process's standard input.
func runBinIn(t *testing.T, bin string, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	fake := t.TempDir()
	cmd.Env = append([]string{"HOME=" + fake, "XDG_DATA_HOME=", "KITH_HOME=",
		"LocalAppData=" + fake, "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run kith %v: %v", args, err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// ok fails the test unless r is a success, and returns its stdout.
func (r result) ok(t *testing.T) string {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	return r.stdout
}

func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return v
}

type initJSON struct {
	Home      string `json:"home"`
	MemberKey string `json:"member_key"`
	PeerID    string `json:"peer_id"`
}

func readFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"member.key", "node.key", "config.toml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	return files
}

func TestInitTwiceWithHomeFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	first := decode[initJSON](t, kith(t, nil, "--home", dir, "init", "--name", "Ada", "--json").ok(t))
	if first.Home != dir || len(first.MemberKey) != 64 || !strings.HasPrefix(first.PeerID, "12D3Koo") {
		t.Errorf("unexpected init output %+v", first)
	}
	before := readFiles(t, dir)

	r := kith(t, nil, "--home", dir, "init", "--name", "Bob")
	if r.code != 1 {
		t.Errorf("second init: exit %d, want 1", r.code)
	}
	for _, want := range []string{"kith: ", "already exists", dir} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("second init stderr %q lacks %q", r.stderr, want)
		}
	}
	if strings.Contains(r.stderr, "Usage:") || strings.Contains(r.stderr, "--help") {
		t.Errorf("runtime error printed usage:\n%s", r.stderr)
	}
	after := readFiles(t, dir)
	for name := range before {
		if before[name] != after[name] {
			t.Errorf("%s changed after the second init", name)
		}
	}

	id := decode[initJSON](t, kith(t, nil, "id", "--json", "--home", dir).ok(t))
	if id.MemberKey != first.MemberKey || id.PeerID != first.PeerID {
		t.Errorf("id --json = %+v, init said %+v", id, first)
	}
}

func TestKithHomeEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	env := []string{"KITH_HOME=" + dir}
	out := kith(t, env, "init").ok(t)
	if !strings.Contains(out, dir) {
		t.Errorf("init output does not say where:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "member.key")); err != nil {
		t.Fatalf("KITH_HOME not used: %v", err)
	}
	id := decode[initJSON](t, kith(t, env, "id", "--json").ok(t))
	if !strings.Contains(out, "member key: "+id.MemberKey) || !strings.Contains(out, id.PeerID) {
		t.Errorf("init printed\n%s\nbut id says %+v", out, id)
	}
	text := kith(t, env, "id").ok(t)
	if want := "member key: " + id.MemberKey + "\npeer id:    " + id.PeerID + "\n"; text != want {
		t.Errorf("id printed %q, want %q", text, want)
	}
	r := kith(t, env, "init")
	if r.code != 1 || !strings.Contains(r.stderr, "already exists in "+dir) {
		t.Errorf("second init via KITH_HOME: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestIDWithoutIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	r := kith(t, nil, "--home", dir, "id")
	if r.code != 1 || !strings.Contains(r.stderr, "run `kith init`") || !strings.Contains(r.stderr, dir) {
		t.Errorf("exit %d, stderr %q; want 1 and a hint to run `kith init`", r.code, r.stderr)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("id created %s", dir)
	}
}

func TestVersion(t *testing.T) {
	v := decode[versionInfo](t, kith(t, nil, "version", "--json").ok(t))
	if v.Version == "" || !strings.HasPrefix(v.Go, "go") || v.OS == "" || v.Arch == "" {
		t.Errorf("version --json = %+v", v)
	}
	if out := kith(t, nil, "version").ok(t); !strings.HasPrefix(out, "kith "+v.Version) {
		t.Errorf("version printed %q", out)
	}
}

func TestVersionLdflags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kith")
	if err := goBuild(bin, "-ldflags", "-X main.version=v9.8.7"); err != nil {
		t.Fatal(err)
	}
	v := decode[versionInfo](t, runBin(t, bin, nil, "version", "--json").ok(t))
	if v.Version != "v9.8.7" {
		t.Errorf("version = %q, want v9.8.7", v.Version)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := kith(t, nil, "completion", shell).ok(t); !strings.Contains(out, "kith") {
			t.Errorf("completion %s output does not mention kith", shell)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"id", "extra"}, {"init", "--bogus"}, {"nosuchcommand"}, {"post", "lsit"}, {"community", "bogus", "x"}, {"identity", "nope"}, {"completion", "bogus"}} {
		r := kith(t, nil, args...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "kith: ") || !strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("kith %v: exit %d, stderr %q; want 1, an error and a usage hint", args, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("kith %v wrote to stdout: %q", args, r.stdout)
		}
	}
	if r := kith(t, nil, "post", "list", "x", "--limit", "5", "--all"); r.code != 1 || !strings.Contains(r.stderr, "--limit or --all, not both") {
		t.Errorf("post list --limit --all: exit %d, %q", r.code, r.stderr)
	}
	// A group alone still shows its commands.
	if out := kith(t, nil, "post").ok(t); !strings.Contains(out, "Available Commands") {
		t.Errorf("kith post: %q", out)
	}
}

// TestArgumentErrors: a wrong number of arguments is refused before any
// daemon is asked, with what the command takes and what it got, and a word
// too many that belongs to the one required flag left out is named.
func TestArgumentErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"post", "new", "1a2b", "How do I compost?"},
			"`kith post new` takes COMMUNITY_ID, got 2 arguments: \"1a2b\" \"How do I compost?\" (did you mean --title \"How do I compost?\"?)"},
		// The stray word is the one that cannot be an id, wherever it is.
		{[]string{"post", "new", "My title", "1a2b"},
			"`kith post new` takes COMMUNITY_ID, got 2 arguments: \"My title\" \"1a2b\" (did you mean --title \"My title\"?)"},
		{[]string{"post", "new", "1a2b", "cafe"}, "`kith post new` takes COMMUNITY_ID, got 2 arguments: \"1a2b\" \"cafe\"\n"},
		{[]string{"community", "create", "Gardeners"},
			"`kith community create` takes no arguments, got 1 argument: \"Gardeners\" (did you mean --name \"Gardeners\"?)"},
		{[]string{"community", "create", "--name", "G", "extra"},
			"`kith community create` takes no arguments, got 1 argument: \"extra\"\n"},
		{[]string{"note", "diff", "1a2b"}, "`kith note diff` takes NOTE_ID REV_A REV_B, got 1 argument: \"1a2b\"\n"},
		{[]string{"event", "rsvp", "1a2b"}, "`kith event rsvp` takes EVENT_ID yes|no|maybe, got 1 argument: \"1a2b\""},
		{[]string{"attachment", "get", "-o", "f"}, "`kith attachment get` takes HASH, got none"},
		{[]string{"export", "1a2b", "extra", "-o", "f"}, "`kith export` takes COMMUNITY_ID, got 2 arguments"},
		// Two required flags left out: which one the word is for is a guess.
		{[]string{"event", "new", "1a2b", "Meetup"}, "`kith event new` takes COMMUNITY_ID, got 2 arguments: \"1a2b\" \"Meetup\"\n"},
	} {
		r := kith(t, nil, append([]string{"--home", t.TempDir()}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "kith: "+c.want) {
			t.Errorf("kith %q: exit %d, stderr %q; want 1 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestUseLinesNameArguments: every command's Use line names each
// positional argument it takes, so that its argument errors can say them
// (a mismatch falls back to "takes N arguments").
func TestUseLinesNameArguments(t *testing.T) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if cmd.Args == nil || !cmd.Runnable() || cmd.Name() == "help" || cmd.Parent() != nil && cmd.Parent().Name() == "completion" {
			return
		}
		// Nine arguments: more than any command takes but those that take
		// any number (search), which have nothing to name.
		err := cmd.Args(cmd, make([]string, 9))
		if err != nil && regexp.MustCompile(`takes \d+ arguments?,`).MatchString(err.Error()) {
			t.Errorf("%s: Use line %q does not name its arguments: %v", cmd.CommandPath(), cmd.Use, err)
		}
	}
	walk((&cli{}).rootCmd())
}

func TestInitRejectsBadName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	r := kith(t, nil, "--home", dir, "init", "--name", "bad\x07name")
	if r.code != 1 || !strings.Contains(r.stderr, "control character") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
