package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kith-network/kith/node/demo"
)

// demoRun is a running `kith demo` process and what it printed.
type demoRun struct {
	*daemon   // the process, with its output (stdout and stderr) as its log
	data      string
	community string
	ui, api   []string // per node: the login link, the API's URL
}

// startDemo runs `kith demo` with args, waits until it says replication
// is live, and reads what it printed. Its temporary directory is under
// the test's own, so nothing outlives the test.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	d := &daemon{}
	d.cmd = exec.Command(kithBin, append([]string{"demo"}, args...)...)
	d.cmd.Env = []string{"HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	d.cmd.Stdout, d.cmd.Stderr = d, d
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
	})
	d.poll(t, 2*time.Minute, func() string { return "kith demo did not get ready" }, func() bool {
		return strings.Contains(d.logs(), "Replication is live") || d.cmd.ProcessState != nil
	})
	out := d.logs()
	r := &demoRun{daemon: d}
	if m := regexp.MustCompile(`(?m)^Data: (\S+)`).FindStringSubmatch(out); m != nil {
		r.data = m[1]
	}
	if m := regexp.MustCompile(`(?m)^Community: .* id ([0-9a-f]{64})$`).FindStringSubmatch(out); m != nil {
		r.community = m[1]
	}
	for _, m := range regexp.MustCompile(`(?m)^  UI: +(http://127\.0\.0\.1:\d+/login\?code=\w+)$`).FindAllStringSubmatch(out, -1) {
		r.ui = append(r.ui, m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^  API: +(http://127\.0\.0\.1:\d+)$`).FindAllStringSubmatch(out, -1) {
		r.api = append(r.api, m[1])
	}
	if r.data == "" || r.community == "" || len(r.ui) != 3 || len(r.api) != 3 {
		t.Fatalf("kith demo printed no data directory, community or three nodes' links:\n%s", out)
	}
	return r
}

// interrupt sends SIGINT, as Ctrl-C does, and waits for a clean exit.
func (r *demoRun) interrupt(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kith demo exited with %v after Ctrl-C:\n%s", err, r.logs())
		}
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		t.Fatalf("kith demo did not stop on Ctrl-C:\n%s", r.logs())
	}
}

// browser is one browser logged in to one node's UI. Each node gets its
// own: browsers keep cookies per host, not per port, and every node's UI
// is on 127.0.0.1.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

// login opens a login link in a fresh browser.
func login(t *testing.T, link string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, base: u.Scheme + "://" + u.Host, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	if code, _ := b.get(link); code != http.StatusOK {
		t.Fatalf("login link %s: status %d", link, code)
	}
	return b
}

// get fetches a page (a path on this UI, or a full link).
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = b.base + path
	}
	resp, err := b.http.Get(path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// page fetches a page that must be there and contain every one of want.
func (b *browser) page(path string, want ...string) {
	b.t.Helper()
	code, body := b.get(path)
	if code != http.StatusOK {
		b.t.Fatalf("%s%s: status %d", b.base, path, code)
	}
	for _, w := range want {
		if !strings.Contains(body, htmlEscape(w)) {
			b.t.Errorf("%s%s does not show %q", b.base, path, w)
		}
	}
}

// post sends a form as the UI's own page would (same Origin).
func (b *browser) post(path string, form url.Values) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK { // after the redirect to the community's page
		b.t.Fatalf("POST %s: status %d", path, resp.StatusCode)
	}
}

// htmlEscape is how html/template writes text into a page.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestDemo: `kith demo` serves three UIs that show the sample community,
// a post made on one UI appears on the others, and Ctrl-C stops it and
// deletes its data.
func TestDemo(t *testing.T) {
	t.Parallel()
	r := startDemo(t)
	sample := demo.Sample
	c := "/c/" + r.community
	var browsers []*browser
	for i, link := range r.ui {
		b := login(t, link)
		browsers = append(browsers, b)
		b.page("/", sample.Community.Name)
		b.page(c, sample.Community.Name, sample.Questions[0].Title, sample.Questions[1].Title, "✓ answered")
		b.page(c+"/notes", sample.Notes[0].Title)
		b.page(c+"/events", sample.Event.Title)
		b.page(c+"/people", sample.Members[0].Profile.Name, sample.Members[1].Profile.Name, sample.Members[2].Profile.Name)
		if _, err := os.Stat(filepath.Join(r.data, sample.Members[i].Handle, "member.key")); err != nil {
			t.Errorf("node %d's home: %v", i+1, err)
		}
	}
	title := fmt.Sprintf("Posted on node 1 at %d", time.Now().UnixNano())
	browsers[0].post(c+"/posts", url.Values{"title": {title}, "type": {"discussion"}, "body": {"Does it reach the others?"}})
	for i, b := range browsers[1:] {
		r.poll(t, 30*time.Second, func() string { return fmt.Sprintf("node %d's UI does not show the post made on node 1", i+2) }, func() bool {
			_, body := b.get(c)
			return strings.Contains(body, htmlEscape(title))
		})
	}
	r.interrupt(t)
	if strings.Contains(r.logs(), "level=ERROR") {
		t.Errorf("kith demo logged errors:\n%s", r.logs())
	}
	if _, err := os.Stat(r.data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo's data %s is still there after Ctrl-C (%v)", r.data, err)
	}
	if !strings.Contains(r.logs(), "deleted "+r.data) {
		t.Errorf("kith demo did not say it deleted its data:\n%s", r.logs())
	}
}

// TestDemoKeep: with --keep the nodes' homes stay, whole, and the command
// says where; a directory that is not empty is refused.
func TestDemoKeep(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "kept")
	r := startDemo(t, "--keep", dir)
	if r.data != dir {
		t.Errorf("data directory %s, want %s", r.data, dir)
	}
	r.interrupt(t)
	if !strings.Contains(r.logs(), "stays in "+dir) {
		t.Errorf("kith demo did not say where its data stays:\n%s", r.logs())
	}
	for _, m := range demo.Sample.Members {
		home := filepath.Join(dir, m.Handle)
		res := decode[checkResult](t, kith(t, nil, "--home", home, "check", "--json").ok(t))
		if res.Records < 40 || len(res.Problems) != 0 {
			t.Errorf("%s: the kept store holds %d records, problems %v", home, res.Records, res.Problems)
		}
	}
	res := kith(t, nil, "demo", "--keep", dir)
	if res.code != 1 || !strings.Contains(res.stderr, "not empty") {
		t.Errorf("demo --keep on a used directory: exit %d, %q", res.code, res.stderr)
	}
}
