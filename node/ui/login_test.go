package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kith-network/kith/node/api"
)

// TestLoginLeadsBackToThePage (Chromium): a link opened before logging
// in (after the daemon restarted, say) says to log in, and the login link
// then leads to that page rather than to the communities; logging out
// from the settings ends this browser's session.
func TestLoginLeadsBackToThePage(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Deep links"})
	must(t, err)
	post, err := n.Post(bg, community, api.PostRequest{Type: "discussion", Title: "Where this link leads", Body: "Here."})
	must(t, err)
	ctx := browser(t)
	page := "/t/" + post.String() + "?from=0"
	do(t, ctx, "open a thread's link, not logged in", chromedp.Navigate(uiBase(n)+page), chromedp.WaitVisible(`main h1`))
	if h := text(t, ctx, "main h1"); h != "Not logged in" {
		t.Fatalf("a page opened before logging in: %q", h)
	}
	// The live page's feed, asked for meanwhile, is no page to return to.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/ui/feed").then(r => r.status)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("ask for the feed: %v", err)
	}
	login(t, ctx, n)
	if got := eval[string](t, ctx, "location.pathname + location.search"); got != page {
		t.Errorf("after logging in the browser is at %s, want the page it asked for, %s", got, page)
	}
	waitText(t, ctx, "main h1", "Where this link leads")

	// Only once: the next login goes to the communities.
	login(t, ctx, n)
	if got := eval[string](t, ctx, "location.pathname + location.search"); got != "/" {
		t.Errorf("a second login goes to %s, want the communities", got)
	}

	do(t, ctx, "log out", chromedp.Navigate(uiBase(n)+"/settings"), chromedp.WaitVisible(`form.logout button`),
		chromedp.Click(`form.logout button`), chromedp.WaitVisible(`main h1`))
	waitText(t, ctx, "main h1", "Logged out")
	do(t, ctx, "open the communities", chromedp.Navigate(uiBase(n)+"/"), chromedp.WaitVisible(`main h1`))
	if h := text(t, ctx, "main h1"); h != "Not logged in" {
		t.Errorf("after logging out, the communities page says %q", h)
	}
}

// TestRefusedFormLeadsBack (plain HTTP): the page of a refused form
// links back to the page the form was on, known from the Referer a
// browser sends to the same site, and never to another site.
func TestRefusedFormLeadsBack(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Refusals"})
	must(t, err)
	post, err := n.Post(bg, community, api.PostRequest{Type: "discussion", Title: "Reply here", Body: "Go on."})
	must(t, err)
	s := newSession(t, n)
	thread := "/t/" + post.String() + "?from=0"
	for referer, want := range map[string]string{
		s.base + thread:                             `<a href="/t/` + post.String() + `?from=0">Back to the page you were on</a>`,
		"http://evil.example/t/x":                   "",
		s.base + "/t/" + post.String() + "/replies": "", // the form's own address
		"": "",
	} {
		req, err := http.NewRequest(http.MethodPost, s.base+"/t/"+post.String()+"/replies", strings.NewReader(url.Values{"body": {"   "}}.Encode()))
		must(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.base)
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		code, _, body := s.send(req)
		if code != http.StatusBadRequest {
			t.Fatalf("an empty reply (Referer %q): %d, want 400", referer, code)
		}
		has := strings.Contains(body, "Back to the page you were on")
		switch {
		case want != "" && !strings.Contains(body, want):
			t.Errorf("Referer %q: the error page has no link back (want %s)", referer, want)
		case want == "" && has:
			t.Errorf("Referer %q: the error page links back somewhere", referer)
		}
	}
	// A form sent to the address of the page it is on (a new event, from
	// the events page) leads back there too.
	events := "/c/" + community.String() + "/events"
	req, err := http.NewRequest(http.MethodPost, s.base+events, strings.NewReader(url.Values{"title": {"Swap"}, "start": {"2031-01-02T10:00"}, "end": {"2031-01-01T10:00"}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	req.Header.Set("Referer", s.base+events)
	if code, _, body := s.send(req); code != http.StatusBadRequest || !strings.Contains(body, `<a href="`+events+`">The page you were on, with its form empty</a>`) ||
		!strings.Contains(body, "Back button takes you to the form as you left it") {
		t.Errorf("an event ending before it starts: %d, and no link back to the events page:\n%s", code, body)
	}
}

// TestUsedLoginLink (plain HTTP): a login link used already, opened again
// by the browser it logged in, leads home (it said "Not logged in" to a
// browser that was); in a browser without a session it says how to get a
// link, with no link to pages it cannot open.
func TestUsedLoginLink(t *testing.T) {
	n := startNode(t)
	s := newSession(t, n)
	used := s.login.Request.URL.String()
	if code, loc, body := s.get(strings.TrimPrefix(used, s.base)); code != http.StatusSeeOther || loc != "/" {
		t.Errorf("a used link, logged in: %d %q %.300s", code, loc, body)
	}
	resp, err := http.Get(used) // no cookie
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "each link works once") || !strings.Contains(page, "run <code>kith ui</code>") ||
		strings.Contains(page, "Back to your communities") || strings.Contains(page, "`") {
		t.Errorf("a used link, no session: %d\n%s", resp.StatusCode, page)
	}
}
