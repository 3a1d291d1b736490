package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// requireEnv set to "require" (CI) turns a missing browser from a skip
// into a failure.
const requireEnv = "KITH_UI_TESTS"

func startNode(t *testing.T) *node.Node {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// addMember makes b a member of a's community: a invites, b joins with
// the code.
func addMember(t *testing.T, a, b *node.Node, community protocol.ID) {
	t.Helper()
	bg := context.Background()
	code, err := a.Invite(bg, community, api.InviteRequest{})
	must(t, err)
	_, err = b.Join(bg, code.Code)
	must(t, err)
}

// sharedCommunity creates a community on a, with b as a member.
func sharedCommunity(t *testing.T, a, b *node.Node, req api.CreateCommunityRequest) protocol.ID {
	t.Helper()
	community, err := a.CreateCommunity(context.Background(), req)
	must(t, err)
	addMember(t, a, b, community)
	return community
}

// memberKey is n's member key.
func memberKey(t *testing.T, n *node.Node) protocol.PublicKey {
	t.Helper()
	st, err := n.Status(context.Background())
	must(t, err)
	return st.MemberKey
}

// eventually polls cond until it holds, failing the test after 30
// seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browser returns a headless Chromium context, or skips the test. Its
// back/forward cache is off: chromedp loses track of pages restored from
// it (TestManyLivePages, which drives pages by script, keeps it on).
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserWith(t, chromedp.Flag("disable-features", "BackForwardCache"))
}

// browserWith is browser with other Chromium flags.
func browserWith(t *testing.T, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv(requireEnv) == "require" {
			t.Fatalf("no Chromium found, and %s=require", requireEnv)
		}
		t.Skipf("no Chromium found (install chromium, or set %s=require to fail instead)", requireEnv)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	opts = append(opts, flags...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Start the browser now, on this context: the first action allocates
	// it, and a browser allocated on a step's shorter context would close
	// with that step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// do runs browser actions one after the other, each within 20 seconds,
// failing the test with the step being done. An action that finds its
// element gone (chromedp's node ids go stale when a page it clicked into
// finishes loading) is tried again once the page has loaded: such an
// action failed before it did anything.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		if _, err := retry(ctx, a); err != nil {
			t.Fatalf("%s (action %d of %d): %v; the browser is at %s", step, i+1, len(actions), err, where(ctx))
		}
	}
}

// where says where the browser is, for a failure: the page's address, how
// far it loaded, and the start of its text (an error page says why), to
// tell a stalled load from a wrong page from a lost click.
func where(ctx context.Context) string {
	// ctx may be the one that just ran out: ask on a fresh deadline.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Evaluate[string](
		`location.href + " (" + document.readyState + "): " + JSON.stringify((document.querySelector("main") || document.body || {innerText: ""}).innerText.slice(0, 400))`))
	if err != nil {
		return fmt.Sprintf("an unknown place (%v)", err)
	}
	return s
}

// retry runs one action, again while it fails on a stale node, for up to
// 20 seconds.
func retry[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Until(deadline))
		v, err := chromedp.Run(sctx, a)
		cancel()
		if err == nil || !staleNode(err) || time.Now().After(deadline) {
			return v, err
		}
		loaded(ctx)
	}
}

// staleNode reports whether err says an element chromedp had found is
// no longer in the page.
func staleNode(err error) bool {
	m := err.Error()
	return strings.Contains(m, "node with given id") || strings.Contains(m, "Cannot find context with specified id")
}

// loaded waits, by script and for up to 5 seconds, until the page has
// loaded.
func loaded(ctx context.Context) {
	for range 100 {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		done, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`document.readyState === "complete"`))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval runs a JavaScript expression in the page and returns its value,
// failing the test on an error; like do, it tries again, for up to 20
// seconds, while the page is being replaced.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := retry(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := retry(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitText waits up to 20 seconds for the text of sel to contain want,
// across navigations (a form's answer is a redirect and a new page).
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := chromedp.Run(sctx, chromedp.Text(sel))
		cancel()
		if err == nil {
			if got = s; strings.Contains(s, want) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q (last: %q)", sel, want, got)
}

// login opens n's one-time login link in the browser and waits for the
// home page.
func login(t *testing.T, ctx context.Context, n *node.Node) {
	t.Helper()
	do(t, ctx, "log in", chromedp.Navigate(n.UILoginURL()), chromedp.WaitVisible(`main h1`))
}

// uiBase is n's UI address without a trailing slash, as the Origin of
// its own pages says it.
func uiBase(n *node.Node) string { return strings.TrimSuffix(n.APIURL(), "/") }

// session is a plain-HTTP client of a node's UI, logged in with its
// login link: it sends the session cookie with every request and does
// not follow redirects.
type session struct {
	t      *testing.T
	base   string // the UI's address, as the Origin of its own pages
	client *http.Client
	cookie *http.Cookie   // the session cookie
	login  *http.Response // the login link's answer (its body closed)
	// check, if set, is shown every answer, with its body.
	check func(req *http.Request, resp *http.Response, body string)
}

// newSession logs in to n's UI with a fresh login link.
func newSession(t *testing.T, n *node.Node) *session {
	t.Helper()
	s := &session{t: t, base: uiBase(n),
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := s.client.Get(n.UILoginURL())
	must(t, err)
	resp.Body.Close()
	s.login = resp
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "kith_session") {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		t.Fatalf("login: %s %v, no session cookie", resp.Status, resp.Cookies())
	}
	return s
}

// get asks for a page: the answer's status, Location and body.
func (s *session) get(path string) (status int, location, body string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	must(s.t, err)
	return s.send(req)
}

// post sends a form with an Origin header (none if origin is ""): the
// answer's status, Location and body.
func (s *session) post(path, origin string, form url.Values) (status int, location, body string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	must(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return s.send(req)
}

func (s *session) send(req *http.Request) (int, string, string) {
	s.t.Helper()
	req.AddCookie(s.cookie)
	resp, err := s.client.Do(req)
	must(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(s.t, err)
	if s.check != nil {
		s.check(req, resp, string(b))
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// shotsEnv names the directory screenshots go to; without it they go to
// a directory under the system's temporary directory.
const shotsEnv = "KITH_UI_SHOTS"

// screenshot saves the page as it is, at a desktop and a phone width, as
// NAME-desktop.png and NAME-phone.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(shotsEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kith-ui-screenshots")
	}
	must(t, os.MkdirAll(dir, 0o755))
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		do(t, ctx, "resize for "+name, chromedp.WaitReady(`body`), chromedp.EmulateViewport(size.width, size.height, opts...),
			chromedp.Sleep(100*time.Millisecond))
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		cancel()
		must(t, err)
		file := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+"-"+size.name+".png")
		must(t, os.WriteFile(file, png, 0o644))
	}
	do(t, ctx, "restore viewport", chromedp.EmulateViewport(1280, 900))
}
