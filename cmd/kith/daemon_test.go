package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// daemon is a real `kith daemon --loopback` process with its own home.
type daemon struct {
	home string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
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

// startDaemon starts a daemon and waits until its API answers. It is
// stopped with SIGTERM when the test ends, and must exit cleanly.
func startDaemon(t *testing.T, extra ...string) *daemon {
	t.Helper()
	return startDaemonAt(t, t.TempDir(), extra...)
}

// startDaemonAt starts a daemon on an existing home directory.
func startDaemonAt(t *testing.T, homeDir string, extra ...string) *daemon {
	t.Helper()
	d := &daemon{home: homeDir}
	args := append([]string{"daemon", "--home", d.home, "--loopback", "--api", "127.0.0.1:0", "--log-level", "debug"}, extra...)
	d.cmd = exec.Command(kithBin, args...)
	d.cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	d.cmd.Stdout, d.cmd.Stderr = d, d
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

func (d *daemon) stop(t *testing.T) {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
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
		t.Errorf("daemon did not stop on SIGTERM:\n%s", d.logs())
	}
}

// run runs a kith command against this daemon's home.
func (d *daemon) run(t *testing.T, args ...string) result {
	t.Helper()
	return kith(t, nil, append([]string{"--home", d.home}, args...)...)
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
	if r := x.run(t, "community", "join", code); r.code == 0 || !strings.Contains(r.stderr, "shared the community") {
		t.Fatalf("joining with a used-up invite: exit %d, %q", r.code, r.stderr)
	}
	x.run(t, "post", "new", id, "--title", "Intruder", "--body", "let me in")
	b.createdID(t, "post", "new", id, "--title", "Second", "--body", "still members only")
	waitThreads(t, a, id, "Members only", "Second")
	time.Sleep(2 * time.Second) // give an intruder's record time to (not) arrive
	for _, d := range []*daemon{a, b} {
		if got := d.threads(t, id); !sameSet(got, []string{"Members only", "Second"}) {
			t.Fatalf("a member lists %q: the intruder's post was accepted", got)
		}
	}
	// The intruder holds only what its code carried and what it wrote
	// itself (by its own incomplete records it thinks it is in); it got
	// none of the members' records.
	if got := x.threads(t, id); !sameSet(got, []string{"Intruder"}) {
		t.Fatalf("the intruder lists %q: it received members' records", got)
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
	b := startDaemon(t, "--bootstrap", st.Addresses[0])
	var peers []api.Peer
	if err := json.Unmarshal([]byte(b.mustRun(t, "peers", "--json")), &peers); err != nil || len(peers) != 1 || peers[0].PeerID != st.PeerID {
		t.Fatalf("B's peers after bootstrap: %+v %v", peers, err)
	}
	c := startDaemon(t)
	c.mustRun(t, "connect", st.Addresses[0])
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

// TestCheck: `kith check` refuses while the daemon runs, and once it has
// stopped reports the records the daemon stored, with no problems.
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
}
