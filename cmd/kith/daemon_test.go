package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

// daemon is a real `kith daemon --loopback` process with its own home.
type daemon struct {
	home   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	log    bytes.Buffer // standard output and error
	stderr bytes.Buffer // standard error alone
}

func (d *daemon) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.Write(p)
}

func (d *daemon) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// errWriter collects a daemon's standard error, in its log too.
type errWriter struct{ d *daemon }

func (w errWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	w.d.stderr.Write(p)
	return w.d.log.Write(p)
}

// errLog returns what the daemon wrote to standard error so far.
func (d *daemon) errLog() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// startDaemon starts a daemon and waits until its API answers. It is
// stopped with SIGTERM when the test ends, and must exit cleanly.
func startDaemon(t *testing.T, extra ...string) *daemon {
	t.Helper()
	return startDaemonAt(t, t.TempDir(), extra...)
}

// startDaemonAt starts a daemon on an existing home directory.
func startDaemonAt(t *testing.T, homeDir string, extra ...string) *daemon {
	t.Helper()
	return startDaemonArgs(t, homeDir, append([]string{"--api", "127.0.0.1:0", "--log-level", "debug"}, extra...)...)
}

// startDaemonArgs starts `kith daemon --home homeDir --loopback` with
// exactly the flags given besides those, so that the config file can
// decide the rest.
func startDaemonArgs(t *testing.T, homeDir string, flags ...string) *daemon {
	t.Helper()
	return startDaemonEnv(t, homeDir, nil, flags...)
}

// startDaemonEnv is startDaemonArgs with more environment variables.
func startDaemonEnv(t *testing.T, homeDir string, env []string, flags ...string) *daemon {
	t.Helper()
	d := &daemon{home: homeDir}
	args := append([]string{"daemon", "--home", d.home, "--loopback"}, flags...)
	d.cmd = exec.Command(kithBin, args...)
	d.cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	d.cmd.Stdout, d.cmd.Stderr = d, errWriter{d}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop(t) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(d.home, "api.addr")); err == nil {
			if r := d.run(t, "status"); r.code == 0 {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start:\n%s", d.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *daemon) stop(t *testing.T) { d.stopWith(t, syscall.SIGTERM) }

// stopWith stops the daemon with sig, and fails the test unless it exits
// cleanly (status 0, its API address file removed) within 15 s.
func (d *daemon) stopWith(t *testing.T, sig syscall.Signal) {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("daemon exited with %v:\n%s", err, d.logs())
		}
		if _, err := os.Stat(filepath.Join(d.home, "api.addr")); err == nil {
			t.Error("daemon left its API address file behind")
		}
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		t.Errorf("daemon did not stop on %v:\n%s", sig, d.logs())
	}
}

// run runs a kith command against this daemon's home.
func (d *daemon) run(t *testing.T, args ...string) result {
	t.Helper()
	return kith(t, nil, append([]string{"--home", d.home}, args...)...)
}

// runIn runs a kith command against this daemon's home with stdin as its
// standard input.
func (d *daemon) runIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runBinIn(t, kithBin, nil, strings.NewReader(stdin), append([]string{"--home", d.home}, args...)...)
}

// mustRun runs a command that must succeed and returns its output.
func (d *daemon) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := d.run(t, args...)
	if r.code != 0 {
		t.Fatalf("kith %v: exit %d: %s\ndaemon log:\n%s", args, r.code, r.stderr, d.logs())
	}
	return r.stdout
}

func (d *daemon) createdID(t *testing.T, args ...string) string {
	t.Helper()
	var c api.Created
	if err := json.Unmarshal([]byte(d.mustRun(t, append(args, "--json")...)), &c); err != nil {
		t.Fatal(err)
	}
	return c.ID.String()
}

// threads lists a community's thread titles on this node.
func (d *daemon) threads(t *testing.T, community string) []string {
	t.Helper()
	var items []api.Thread
	if err := json.Unmarshal([]byte(d.mustRun(t, "post", "list", community, "--all", "--json")), &items); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range items {
		titles = append(titles, it.Title)
	}
	return titles
}

// poll calls cond every 100 ms until it holds; after timeout it fails
// the test with what went wrong (asked only then) and the daemon's log.
func (d *daemon) poll(t *testing.T, timeout time.Duration, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s\ndaemon log:\n%s", what(), d.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitJSON runs a kith command with --json until its answer satisfies
// cond, and returns that answer.
func waitJSON[T any](t *testing.T, d *daemon, what string, cond func(T) bool, args ...string) T {
	t.Helper()
	var v T
	d.poll(t, 15*time.Second, func() string { return fmt.Sprintf("%s: not so on %s after 15s", what, d.home) }, func() bool {
		r := d.run(t, append(args, "--json")...)
		var got T
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || !cond(got) {
			return false
		}
		v = got
		return true
	})
	return v
}

// waitThreads waits until a node lists exactly the given titles.
func waitThreads(t *testing.T, d *daemon, community string, want ...string) {
	t.Helper()
	var got []string
	d.poll(t, 15*time.Second, func() string { return fmt.Sprintf("node %s lists %q, want %q", d.home, got, want) }, func() bool {
		got = d.threads(t, community)
		return sameSet(got, want)
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]int)
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s]--; seen[s] < 0 {
			return false
		}
	}
	return true
}

func TestDaemonsShareAnOpenCommunity(t *testing.T) {
	a, b, c := startDaemon(t), startDaemon(t), startDaemon(t)
	id := a.createdID(t, "community", "create", "--name", "Site Reliability", "--domain", "running production")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", id))
	if !strings.HasPrefix(code, "kith:") {
		t.Fatalf("invite code %q", code)
	}
	if got := b.createdID(t, "community", "join", code); got != id {
		t.Fatalf("joined %s, want %s", got, id)
	}
	if got := c.createdID(t, "community", "join", code); got != id {
		t.Fatalf("joined %s, want %s", got, id)
	}
	a.createdID(t, "post", "new", id, "--title", "From A", "--body", "hello from a", "--tag", "Intro")
	b.createdID(t, "post", "new", id, "--title", "From B", "--body", "hello from b", "--question")
	postC := c.createdID(t, "post", "new", id, "--title", "From C", "--body", "hello from c")
	for _, d := range []*daemon{a, b, c} {
		waitThreads(t, d, id, "From A", "From B", "From C")
	}
	var th api.ThreadDetail
	if err := json.Unmarshal([]byte(a.mustRun(t, "post", "show", postC, "--json")), &th); err != nil || th.Body != "hello from c" {
		t.Fatalf("post show on A: %+v %v", th, err)
	}
	var ans api.SyncAnswer
	if err := json.Unmarshal([]byte(b.mustRun(t, "community", "sync", id, "--wait", "--json")), &ans); err != nil || len(ans.Results) == 0 {
		t.Fatalf("community sync on B: %+v %v", ans, err)
	}
	for _, r := range ans.Results {
		if r.Error != "" && !strings.Contains(r.Error, "already running") {
			t.Fatalf("sync with %s failed: %s", r.Peer, r.Error)
		}
	}
	var cs []api.Community
	if err := json.Unmarshal([]byte(b.mustRun(t, "community", "list", "--json")), &cs); err != nil || len(cs) != 1 || cs[0].Members != 3 {
		t.Fatalf("community list on B: %+v %v", cs, err)
	}
	if cs[0].Sync.LastSync == 0 || cs[0].Records < 9 {
		t.Fatalf("community list on B shows no sync or too few records: %+v", cs[0])
	}
	if out := b.mustRun(t, "status"); !strings.Contains(out, "synced") {
		t.Fatalf("status does not say how sync stands:\n%s", out)
	}
}

func TestInviteOnlyCommunityKeepsOutsidersOut(t *testing.T) {
	a, b, x := startDaemon(t), startDaemon(t), startDaemon(t)
	id := a.createdID(t, "community", "create", "--name", "Incident review", "--invite-only")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", id, "--uses", "1"))
	b.createdID(t, "community", "join", code)
	a.createdID(t, "post", "new", id, "--title", "Members only", "--body", "secret")
	waitThreads(t, b, id, "Members only")
	// x uses the same code after it was used up: its join is not valid.
	if r := x.run(t, "community", "join", code); r.code == 0 || !strings.Contains(r.stderr, "you are not a member yet") {
		t.Fatalf("joining with a used-up invite: exit %d, %q", r.code, r.stderr)
	}
	// Nor does x take itself for one: it refuses to write.
	if r := x.run(t, "post", "new", id, "--title", "Intruder", "--body", "let me in"); r.code == 0 {
		t.Errorf("x, refused, posts: %q", r.stdout)
	}
	b.createdID(t, "post", "new", id, "--title", "Second", "--body", "still members only")
	waitThreads(t, a, id, "Members only", "Second")
	time.Sleep(2 * time.Second) // give an intruder's record time to (not) arrive
	for _, d := range []*daemon{a, b} {
		if got := d.threads(t, id); !sameSet(got, []string{"Members only", "Second"}) {
			t.Fatalf("a member lists %q: the intruder's post was accepted", got)
		}
	}
	// The intruder holds nothing of the community: not even what its code
	// carried, kept only once a member's node takes a join.
	if r := x.run(t, "post", "list", id); r.code == 0 || !strings.Contains(r.stderr, "this node holds no community") {
		t.Fatalf("the intruder lists the community's posts: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestAPIRefusesWithoutTokenOrForeignHost(t *testing.T) {
	d := startDaemon(t)
	addr, _ := os.ReadFile(filepath.Join(d.home, "api.addr"))
	token, _ := os.ReadFile(filepath.Join(d.home, "api.token"))
	url := "http://" + strings.TrimSpace(string(addr)) + "/api/status"
	for _, tc := range []struct {
		name, token, host string
		want              int
	}{
		{"no token", "", "", http.StatusUnauthorized},
		{"wrong token", "nope", "", http.StatusUnauthorized},
		{"foreign host", strings.TrimSpace(string(token)), "evil.example:80", http.StatusForbidden},
		{"good", strings.TrimSpace(string(token)), "", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// Hostile bodies and paths get a 400 with a message, never a crash.
	base := "http://" + strings.TrimSpace(string(addr))
	for _, tc := range []struct {
		name, method, path, body string
	}{
		{"not json", http.MethodPost, "/api/communities", "{"},
		{"unknown field", http.MethodPost, "/api/communities", `{"name":"x","admin":true}`},
		{"huge body", http.MethodPost, "/api/communities", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`},
		{"bad id", http.MethodGet, "/api/posts/not-an-id", ""},
		{"bad name", http.MethodPost, "/api/communities", `{"name":"evil\u202ename"}`},
		{"bad cursor", http.MethodGet, "/api/communities/" + strings.Repeat("0", 64) + "/posts?cursor=%%%", ""},
		{"bad invite code", http.MethodPost, "/api/join", `{"code":"kith:AAAA"}`},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var e api.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || e.Error == "" {
			t.Errorf("%s: status %d, error %q; want a 4xx with a message", tc.name, resp.StatusCode, e.Error)
		}
	}
	if r := d.run(t, "status"); r.code != 0 {
		t.Fatalf("the daemon is unwell after hostile requests: %s", r.stderr)
	}
	if fi, err := os.Stat(filepath.Join(d.home, "api.token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("api.token mode: %v %v", fi.Mode(), err)
	}
}

func TestCommandsWithoutDaemon(t *testing.T) {
	home := t.TempDir()
	r := kith(t, nil, "--home", home, "status")
	if r.code != 1 || !strings.Contains(r.stderr, "no daemon is running") || !strings.Contains(r.stderr, "kith daemon") {
		t.Fatalf("status without daemon: exit %d, %q", r.code, r.stderr)
	}
}

func TestBootstrapAndConnect(t *testing.T) {
	a := startDaemon(t)
	var st api.Status
	if err := json.Unmarshal([]byte(a.mustRun(t, "status", "--json")), &st); err != nil || len(st.Addresses) == 0 {
		t.Fatalf("status: %+v %v", st, err)
	}
	for _, addr := range st.Addresses {
		if !strings.HasPrefix(addr, "/ip4/127.0.0.1/") && !strings.HasPrefix(addr, "/ip6/::1/") {
			t.Fatalf("a --loopback daemon advertises %s", addr)
		}
	}
	if r := a.run(t, "peers"); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no peer is connected") {
		t.Errorf("peers of a lone daemon: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if r := a.run(t, "post", "list", a.createdID(t, "community", "create", "--name", "Empty")); r.code != 0 || !strings.Contains(r.stderr, "no thread to list") {
		t.Errorf("an empty list: exit %d, %q", r.code, r.stderr)
	}
	b := startDaemon(t, "--bootstrap", st.Addresses[0])
	var peers []api.Peer
	if err := json.Unmarshal([]byte(b.mustRun(t, "peers", "--json")), &peers); err != nil || len(peers) != 1 || peers[0].PeerID != st.PeerID {
		t.Fatalf("B's peers after bootstrap: %+v %v", peers, err)
	}
	c := startDaemon(t)
	c.mustRun(t, "connect", st.Addresses[0])
	// Connected already: an address where nothing listens is not reported
	// as connected (libp2p dials nothing for a connected peer).
	if out := c.mustRun(t, "connect", "/ip4/127.0.0.1/tcp/1/p2p/"+st.PeerID); !strings.Contains(out, "already connected to "+st.PeerID) || !strings.Contains(out, "not dialled") {
		t.Errorf("connect to a connected peer at another address: %q", out)
	}
	var again api.Peer
	if err := json.Unmarshal([]byte(c.mustRun(t, "connect", st.Addresses[0], "--json")), &again); err != nil || !again.AlreadyConnected ||
		len(again.Addresses) == 0 || len(slices.Compact(slices.Sorted(slices.Values(again.Addresses)))) != len(again.Addresses) {
		t.Errorf("connect again --json: %+v %v (each address once)", again, err)
	}
	var cst api.Status
	if err := json.Unmarshal([]byte(c.mustRun(t, "status", "--json")), &cst); err != nil || len(cst.Addresses) == 0 {
		t.Fatalf("c's status: %+v %v", cst, err)
	}
	if r := c.run(t, "connect", cst.Addresses[0]); r.code == 0 || !strings.Contains(r.stderr, "this node's own address") {
		t.Errorf("connect to its own address: exit %d, %q", r.code, r.stderr)
	}
	// A peer id no daemon here has, at a documentation address (TEST-NET-1).
	const stranger = "12D3KooWAJ2jbkUSGPWk2Piuf9THa8pBAvu9izS82eSwetxKMpzE"
	if r := c.run(t, "connect", "/ip4/192.0.2.1/tcp/4001/p2p/"+stranger); r.code == 0 {
		t.Fatal("a --loopback daemon dialled a non-loopback address")
	}
	if r := c.run(t, "connect", "not-an-address"); r.code == 0 || !strings.Contains(r.stderr, "address") {
		t.Fatalf("bad address: exit %d %q", r.code, r.stderr)
	}
}

func TestStoppedMemberCatchesUp(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	id := a.createdID(t, "community", "create", "--name", "Night shift")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", id))
	b.createdID(t, "community", "join", code)
	b.stop(t)
	const posts = 100
	var want []string
	for i := range posts {
		title := fmt.Sprintf("while b slept %d", i)
		a.createdID(t, "post", "new", id, "--title", title, "--body", "logged")
		want = append(want, title)
	}
	var st api.Status
	if err := json.Unmarshal([]byte(a.mustRun(t, "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b = startDaemonAt(t, b.home, "--bootstrap", st.Addresses[0])
	waitThreads(t, b, id, want...)
	t.Logf("restarted member holds all %d posts %v after starting", posts, time.Since(start).Round(time.Millisecond))
	if out := b.mustRun(t, "community", "sync", id, "--wait"); !strings.Contains(out, "fetched") {
		t.Fatalf("community sync --wait said:\n%s", out)
	}
}

// TestCheck: `kith check` refuses while the daemon runs, once it has
// stopped reports the records the daemon stored, with no problems, and
// reports a damaged store with what to do.
func TestCheck(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Checked")
	d.mustRun(t, "post", "new", community, "--title", "Hello", "--body", "first")
	if r := d.run(t, "check"); r.code != 1 || !strings.Contains(r.stderr, "stop the daemon first") {
		t.Errorf("check while the daemon runs: exit %d, %q", r.code, r.stderr)
	}
	d.stop(t)
	var res checkResult
	if err := json.Unmarshal([]byte(d.mustRun(t, "check", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	// the genesis, the founder's device record, the post
	if res.Records != 3 || len(res.Problems) != 0 {
		t.Errorf("check: %+v, want 3 records and no problems", res)
	}
	if r := kith(t, nil, "--home", t.TempDir(), "check"); r.code != 1 || !strings.Contains(r.stderr, "no store") {
		t.Errorf("check without a store: exit %d, %q", r.code, r.stderr)
	}
	// A table cut short (a full disk, a copy interrupted): an error that
	// names it and says what to do, where Badger used to panic.
	tables, _ := filepath.Glob(filepath.Join(d.home, "store", "*.sst"))
	if len(tables) == 0 {
		t.Fatal("the store has no table file to damage")
	}
	fi, err := os.Stat(tables[0])
	must(t, err)
	must(t, os.Truncate(tables[0], fi.Size()/2))
	r := d.run(t, "check")
	if r.code != 1 || !strings.Contains(r.stderr, "store is damaged: table file "+filepath.Base(tables[0])) ||
		!strings.Contains(r.stderr, "Move the store directory named above aside") || strings.Contains(r.stderr, "panic") {
		t.Errorf("check of a store with a table cut short: exit %d, %q", r.code, r.stderr)
	}
}

// writeConfig replaces the config file in a home directory.
func writeConfig(t *testing.T, homeDir, text string) string {
	t.Helper()
	path := filepath.Join(homeDir, "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// apiAddr reads the address a running daemon's API listens on.
func (d *daemon) apiAddr(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(d.home, "api.addr"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// jsonLogLines checks that every line of a log is a slog JSON record and
// returns the records.
func jsonLogLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for line := range strings.Lines(log) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, line)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("a JSON log line has no %q: %s", k, line)
			}
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		t.Fatal("the daemon logged nothing")
	}
	return recs
}

// TestDaemonConfigPrecedence runs real daemons on one home: the config
// file's settings win over the defaults, flags given on the command line
// over the file. The file sets the API address, debug level, JSON logs and
// search off; flags then set each back.
func TestDaemonConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	kith(t, nil, "--home", dir, "init", "--name", "Ada").ok(t)
	api := freeAddr(t)
	writeConfig(t, dir, fmt.Sprintf("name = \"Ada\"\napi = %q\nlog_level = \"debug\"\nlog_format = \"json\"\nno_search = true\n", api))

	d := startDaemonArgs(t, dir)
	if got := d.apiAddr(t); got != api {
		t.Errorf("API on %s, want the file's %s", got, api)
	}
	levels := map[string]bool{}
	for _, rec := range jsonLogLines(t, d.errLog()) {
		levels[fmt.Sprint(rec["level"])] = true
	}
	if !levels["DEBUG"] {
		t.Errorf("log_level = \"debug\" in the file, but no DEBUG line:\n%s", d.errLog())
	}
	if r := d.run(t, "search", "anything"); r.code != 1 || !strings.Contains(r.stderr, "keeps no search index") {
		t.Errorf("search with no_search = true: exit %d, %q", r.code, r.stderr)
	}
	memoryLimit := func() uint64 {
		type status struct {
			Runtime struct {
				MemoryLimitBytes uint64 `json:"memory_limit_bytes"`
			} `json:"runtime"`
		}
		return decode[status](t, d.mustRun(t, "status", "--json")).Runtime.MemoryLimitBytes
	}
	if got := memoryLimit(); got != home.DefaultMemoryMB<<20 {
		t.Errorf("memory limit %d, want the default %d MiB", got, home.DefaultMemoryMB)
	}
	d.stop(t)

	d = startDaemonArgs(t, dir, "--api", "127.0.0.1:0", "--log-level", "info", "--log-format", "text", "--no-search=false", "--memory-mb", "300")
	if got := memoryLimit(); got != 300<<20 {
		t.Errorf("memory limit %d with --memory-mb 300", got)
	}
	if got := d.apiAddr(t); got == api {
		t.Errorf("API on the file's %s despite --api 127.0.0.1:0", got)
	}
	log := d.errLog()
	if !strings.Contains(log, "level=INFO msg=started") || strings.Contains(log, "level=DEBUG") || strings.Contains(log, "{\"time\"") {
		t.Errorf("--log-level info --log-format text over the file's debug and json:\n%s", log)
	}
	d.mustRun(t, "search", "anything")
	d.stop(t)

	// A first run has no file: the defaults, info as text.
	d = startDaemonArgs(t, t.TempDir(), "--api", "127.0.0.1:0")
	if log := d.errLog(); !strings.Contains(log, "level=INFO msg=config") || strings.Contains(log, "level=DEBUG") {
		t.Errorf("default log level and format:\n%s", log)
	}
}

// TestDaemonBadConfig: a bad setting in the file, or a bad flag value,
// stops the daemon before it starts with exit status 1 and an error
// naming the file and the key (or the flag).
func TestDaemonBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		flags      []string
		want       []string // besides the file's path, if there is a file
	}{
		{"bad log level", `log_level = "loud"`, nil, []string{`log_level: "loud" is not a log level: want debug, info, warn or error`}},
		{"bad log format", `log_format = "xml"`, nil, []string{`log_format: "xml" is not a log format`}},
		{"unknown key", `lgo_level = "info"`, nil, []string{`unknown setting "lgo_level"`}},
		{"bad listen", `listen = ["tcp://0.0.0.0:1"]`, nil, []string{`listen[0] "tcp://0.0.0.0:1": not a multiaddr`}},
		{"bad type", `loopback = "yes"`, nil, []string{"loopback"}},
		{"bad flag", "", []string{"--log-format", "xml"}, []string{`--log-format: "xml" is not a log format`}},
		{"bad level flag", "", []string{"--log-level", "verbose"}, []string{`--log-level: "verbose" is not a log level`}},
		{"bootstrap flag without peer", "", []string{"--bootstrap", "/ip4/127.0.0.1/tcp/1"}, []string{"--bootstrap:", "must end in /p2p/<peer id>"}},
		{"api flag off loopback", "", []string{"--api", "0.0.0.0:0"}, []string{`--api: "0.0.0.0:0" is not a loopback address`}},
		{"anchor with loopback", "", []string{"--anchor"}, []string{"exclude each other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want := tc.want
			if tc.file != "" {
				want = append(want, writeConfig(t, dir, tc.file))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, kithBin, append([]string{"daemon", "--home", dir, "--loopback", "--api", "127.0.0.1:0"}, tc.flags...)...)
			cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Fatalf("exit %d (%v), want 1; stderr:\n%s", code, err, &stderr)
			}
			msg := stderr.String()
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if !strings.HasPrefix(msg, "kith: ") || strings.Count(msg, "\n") != 1 {
				t.Errorf("want one line of error, got:\n%s", msg)
			}
			if _, err := os.Stat(filepath.Join(dir, "member.key")); err == nil {
				t.Error("the daemon created an identity before refusing its configuration")
			}
		})
	}
}

// TestDaemonMerge: how each flag and the config file combine, in process.
func TestDaemonMerge(t *testing.T) {
	const path = "/etc/kith.toml"
	const peer = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAJ2jbkUSGPWk2Piuf9THa8pBAvu9izS82eSwetxKMpzE"
	for _, tc := range []struct {
		name    string
		file    func(*home.Config)
		flags   []string
		check   func(daemonRun) bool
		wantErr string
	}{
		{name: "defaults", check: func(r daemonRun) bool {
			return r.level == slog.LevelInfo && r.format == home.LogText && !r.node.Loopback && !r.node.NoSearch &&
				r.node.API == "" && r.node.Listen == nil && r.node.Bootstrap == nil && !r.node.Anchor
		}},
		{name: "file over defaults", file: func(c *home.Config) {
			c.Loopback, c.NoSearch, c.LogLevel, c.LogFormat = true, true, "error", home.LogJSON
		}, check: func(r daemonRun) bool {
			return r.level == slog.LevelError && r.format == home.LogJSON && r.node.Loopback && r.node.NoSearch
		}},
		{name: "flags over file", file: func(c *home.Config) {
			c.Loopback, c.NoSearch, c.LogLevel, c.LogFormat = true, true, "error", home.LogJSON
		}, flags: []string{"--loopback=false", "--no-search=false", "--log-level", "debug", "--log-format", "text"},
			check: func(r daemonRun) bool {
				return r.level == slog.LevelDebug && r.format == home.LogText && !r.node.Loopback && !r.node.NoSearch
			}},
		// node.Start takes listen, api, bootstrap and anchor from the file
		// for fields left zero: only the flags are passed.
		{name: "node settings from flags", flags: []string{"--listen", "/ip4/127.0.0.1/tcp/1", "--api", "127.0.0.1:0", "--bootstrap", peer},
			check: func(r daemonRun) bool {
				return slices.Equal(r.node.Listen, []string{"/ip4/127.0.0.1/tcp/1"}) && r.node.API == "127.0.0.1:0" &&
					slices.Equal(r.node.Bootstrap, []string{peer})
			}},
		{name: "anchor off cannot override the file", file: func(c *home.Config) { c.Anchor = true },
			flags: []string{"--anchor=false"}, wantErr: "--anchor=false cannot override anchor = true in " + path},
		{name: "anchor with loopback from the file", file: func(c *home.Config) { c.Loopback = true },
			flags: []string{"--anchor"}, wantErr: "exclude each other"},
		{name: "file's anchor under --loopback", file: func(c *home.Config) { c.Anchor = true }, flags: []string{"--loopback"},
			check: func(r daemonRun) bool { return !r.node.Anchor && r.node.Loopback && len(r.warnings) == 1 }},
		{name: "bad level flag over a good file", flags: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "memory limit by default", check: func(r daemonRun) bool { return r.memoryMB == home.DefaultMemoryMB }},
		{name: "memory limit from the file", file: func(c *home.Config) { c.MemoryMB = 0 }, check: func(r daemonRun) bool { return r.memoryMB == 0 }},
		{name: "memory limit flag over the file", file: func(c *home.Config) { c.MemoryMB = 0 }, flags: []string{"--memory-mb", "300"},
			check: func(r daemonRun) bool { return r.memoryMB == 300 }},
		{name: "memory limit too low", flags: []string{"--memory-mb", "64"}, wantErr: "--memory-mb: 64 is not 0 (no limit) nor from 128"},
		// A lower file limit alone lowers what is fetched at once with it;
		// the two given at odds are refused.
		{name: "max file size alone under the auto-fetch default", flags: []string{"--max-file-mb", "10"},
			check: func(r daemonRun) bool {
				return r.node.MaxFileBytes == 10<<20 && r.node.AutoFetchBytes == 10<<20 && len(r.warnings) == 1 &&
					strings.Contains(r.warnings[0], "files up to 10 MiB are fetched at once")
			}},
		{name: "max file size under auto-fetch, both given", flags: []string{"--max-file-mb", "10", "--auto-fetch-mb", "20"},
			wantErr: "auto_fetch_mb: 20 is not from 0 to max_file_mb (10)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := home.DefaultConfig()
			if tc.file != nil {
				tc.file(&conf)
			}
			cmd, set := (&cli{}).newDaemonCmd()
			if err := cmd.ParseFlags(tc.flags); err != nil {
				t.Fatal(err)
			}
			run, err := set.merge(cmd.Flags().Changed, home.ConfigInfo{Path: path, Exists: true, Config: conf})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(run) {
				t.Errorf("merged: %+v", run)
			}
		})
	}
}

// TestDaemonFlagsHaveConfigKeys: every flag of `kith daemon` has a config
// key, --log-level as log_level; the keys without a flag are those the
// daemon has no flag for on purpose.
func TestDaemonFlagsHaveConfigKeys(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range home.ConfigKeys() {
		keys[k] = true
	}
	cmd := (&cli{}).daemonCmd()
	// The flags' names, from their usage lines ("  -h, --help   help...").
	flags := regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(cmd.LocalNonPersistentFlags().FlagUsages(), -1)
	if len(flags) < 8 {
		t.Fatalf("found %d flags in the usage:\n%s", len(flags), cmd.LocalNonPersistentFlags().FlagUsages())
	}
	for _, f := range flags {
		name := f[1]
		if name == "help" {
			continue
		}
		key := strings.ReplaceAll(name, "-", "_")
		if !keys[key] {
			t.Errorf("--%s has no config key %q", name, key)
		}
		delete(keys, key)
	}
	// name is the member's, not the daemon's; relays can only come from
	// the file (node.Config has no field for them).
	delete(keys, "name")
	delete(keys, "relays")
	for k := range keys {
		t.Errorf("config key %s has no `kith daemon` flag", k)
	}
}

// TestDaemonServiceUnits holds the systemd units in dist/systemd to the
// code: each runs `kith daemon` with flags it has and values it accepts,
// and, where systemd-analyze is installed, systemd accepts the unit.
func TestDaemonServiceUnits(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		user       bool
	}{{"system", "../../dist/systemd/kith.service", false}, {"user", "../../dist/systemd/user/kith.service", true}} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			unit := parseUnit(string(data))
			execs := unit["Service"]["ExecStart"]
			if len(execs) != 1 {
				t.Fatalf("%d ExecStart lines, want 1", len(execs))
			}
			args := strings.Fields(execs[0])
			if len(args) < 2 || filepath.Base(args[0]) != "kith" || args[1] != "daemon" || strings.ContainsAny(execs[0], `"'\$`) {
				t.Fatalf("ExecStart=%s: want a plain `.../kith daemon FLAGS...`", execs[0])
			}
			root := (&cli{}).rootCmd()
			if found, _, err := root.Find(args[1:]); err != nil || found.Name() != "daemon" {
				t.Fatalf("kith %s: finds %v, %v", strings.Join(args[1:], " "), found.Name(), err)
			}
			cmd, set := (&cli{}).newDaemonCmd()
			cmd.Flags().AddFlagSet(root.PersistentFlags())
			if err := cmd.ParseFlags(args[2:]); err != nil {
				t.Fatalf("ExecStart=%s: %v", execs[0], err)
			}
			if rest := cmd.Flags().Args(); len(rest) > 0 {
				t.Fatalf("ExecStart=%s: stray arguments %q", execs[0], rest)
			}
			if _, err := set.merge(cmd.Flags().Changed, home.ConfigInfo{Path: "config.toml", Config: home.DefaultConfig()}); err != nil {
				t.Fatalf("ExecStart=%s: %v", execs[0], err)
			}
			if got := unit["Service"]["Restart"]; !slices.Equal(got, []string{"on-failure"}) {
				t.Errorf("Restart=%q, want on-failure", got)
			}
			if !tc.user {
				state := unit["Service"]["StateDirectory"]
				if len(state) != 1 || !slices.Contains(unit["Service"]["Environment"], "KITH_HOME=/var/lib/"+state[0]) {
					t.Errorf("KITH_HOME is not the StateDirectory: %q, %q", unit["Service"]["Environment"], state)
				}
				if !slices.Equal(unit["Service"]["User"], []string{"kith"}) {
					t.Errorf("User=%q, want kith", unit["Service"]["User"])
				}
			}
			verifyUnit(t, string(data), args[0], tc.user)
		})
	}
}

// parseUnit reads a systemd unit file into section -> key -> values.
func parseUnit(text string) map[string]map[string][]string {
	unit := map[string]map[string][]string{}
	section := ""
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			unit[section] = map[string][]string{}
		default:
			k, v, _ := strings.Cut(line, "=")
			unit[section][k] = append(unit[section][k], v)
		}
	}
	return unit
}

// verifyUnit runs `systemd-analyze verify` on a copy of a unit whose
// ExecStart runs the kith binary under test; it skips without it.
func verifyUnit(t *testing.T, text, binPath string, user bool) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the unit is not verified by systemd")
		return
	}
	dir := t.TempDir()
	unitPath := filepath.Join(dir, "kith.service")
	if err := os.WriteFile(unitPath, []byte(strings.Replace(text, "ExecStart="+binPath, "ExecStart="+kithBin, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"verify", unitPath}
	env := os.Environ()
	if user {
		run := filepath.Join(dir, "run")
		if err := os.Mkdir(run, 0o700); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--user"}, args...)
		env = append(env, "XDG_RUNTIME_DIR="+run)
	}
	cmd := exec.Command(analyze, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestDaemonNoLoginLinkInJournal: under systemd (JOURNAL_STREAM set) the
// daemon prints no login link, a credential, into the journal.
func TestDaemonNoLoginLinkInJournal(t *testing.T) {
	d := startDaemonEnv(t, t.TempDir(), []string{"JOURNAL_STREAM=8:12345"}, "--api", "127.0.0.1:0")
	if out := d.logs(); strings.Contains(out, "/login") || !strings.Contains(out, "run `kith ui` for a login link") {
		t.Errorf("daemon output under the journal:\n%s", out)
	}
}

// TestDaemonFirstRunSaysBackUp: the daemon that creates an identity says
// to back it up; later starts do not.
func TestDaemonFirstRunSaysBackUp(t *testing.T) {
	dir := t.TempDir()
	d := startDaemonAt(t, dir)
	if !strings.Contains(d.logs(), "Back up "+filepath.Join(dir, "member.key")) {
		t.Errorf("the first run did not say to back up the key:\n%s", d.logs())
	}
	d.stop(t)
	again := startDaemonAt(t, dir)
	if strings.Contains(again.logs(), "Back up") {
		t.Errorf("a later start says to back up again:\n%s", again.logs())
	}
}

// TestDaemonStopsCleanlyOnHangup: a terminal closed or an SSH session
// dropped (SIGHUP) stops the daemon as SIGTERM does, not killed.
func TestDaemonStopsCleanlyOnHangup(t *testing.T) {
	d := startDaemon(t)
	d.stopWith(t, syscall.SIGHUP)
}

// TestDaemonListenPortTaken: a daemon whose listen port another program
// holds says so and what to do, exits 1, and prints none of libp2p's own
// log lines (GOLOG_LOG_LEVEL brings them back).
func TestDaemonListenPortTaken(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	listen := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", l.Addr().(*net.TCPAddr).Port)
	r := kith(t, nil, "daemon", "--home", t.TempDir(), "--loopback", "--api", "127.0.0.1:0", "--listen", listen)
	if r.code != 1 || !strings.Contains(r.stderr, "the listen port is taken by another program") || strings.Contains(r.stderr, "system=fx") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// The identity was made before the failure: the next start is no
	// first run, so the advice to back it up comes now.
	if !strings.Contains(r.stderr, "First run: your identity is new. Back up") {
		t.Errorf("a first run that failed does not say to back up the identity:\n%s", r.stderr)
	}
	// Beside an address that works, as for an always-on node on tcp/4001
	// and udp/4001: refused all the same.
	r = kith(t, nil, "daemon", "--home", t.TempDir(), "--loopback", "--api", "127.0.0.1:0", "--listen", listen, "--listen", "/ip4/127.0.0.1/udp/0/quic-v1")
	if r.code != 1 || !strings.Contains(r.stderr, "the listen port is taken by another program") || !strings.Contains(r.stderr, listen) {
		t.Errorf("a taken port beside a free one: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = kith(t, []string{"GOLOG_LOG_LEVEL=error"}, "daemon", "--home", t.TempDir(), "--loopback", "--api", "127.0.0.1:0", "--listen", listen)
	if r.code != 1 || !strings.Contains(r.stderr, "system=fx") {
		t.Errorf("with GOLOG_LOG_LEVEL=error, libp2p's lines are missing: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestStaleAddressOfAnotherDaemon: a home whose address file is stale,
// naming a port another home's daemon now holds, is told that its own
// daemon is not running, not that its token is wrong.
func TestStaleAddressOfAnotherDaemon(t *testing.T) {
	other := startDaemon(t)
	stale := t.TempDir()
	kith(t, nil, "init", "--home", stale).ok(t)
	addr, err := os.ReadFile(filepath.Join(other.home, "api.addr"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"api.addr": string(addr), "api.token": "a token from a daemon long gone\n"} {
		if err := os.WriteFile(filepath.Join(stale, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := kith(t, nil, "--home", stale, "status")
	if r.code != 1 || !strings.Contains(r.stderr, "no daemon is running") || !strings.Contains(r.stderr, "another home's daemon") ||
		!strings.Contains(r.stderr, "kith daemon --home "+stale) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
