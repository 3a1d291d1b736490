package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
)

// TestBrowse: a member logs in with the daemon's link, sees their
// community, starts a thread and replies with the forms, and sees another
// member's post appear on the open page without reloading it; what other
// members write is shown as text, never as markup.
func TestBrowse(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Browser club", Domain: "testing pages"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.Invite(bg, community, api.InviteRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(bg, code.Code); err != nil {
		t.Fatal(err)
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		must(err)
		return s
	}
	must(chromedp.Do(ctx, chromedp.Navigate(a.UILoginURL()), chromedp.WaitVisible(`#communities`)))
	body := text(`main`)
	base := strings.TrimSuffix(a.APIURL(), "/")
	step := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("navigate", chromedp.Navigate(base+"/c/"+community.String()))
	step("wait form", chromedp.WaitVisible(`form.compose`))
	step("title", chromedp.SendKeys(`form.compose input[name=title]`, "Made in a browser"))
	step("body", chromedp.SendKeys(`form.compose textarea[name=body]`, "Typed into the form."))
	step("submit", chromedp.Submit(`form.compose input[name=title]`))
	step("wait thread", chromedp.WaitVisible(`article.post h1`))
	title := text(`article.post h1`)
	must(chromedp.Do(ctx,
		chromedp.SendKeys(`form.compose textarea[name=body]`, "A reply from the page."),
		chromedp.Submit(`form.compose textarea[name=body]`),
		chromedp.WaitVisible(`ol.replies li`),
	))
	replies := text(`ol.replies`)
	if !strings.Contains(body, "Browser club") || !strings.Contains(body, "testing pages") {
		t.Errorf("home page: %q", body)
	}
	if title != "Made in a browser" {
		t.Errorf("thread title %q", title)
	}
	if !strings.Contains(replies, "A reply from the page.") {
		t.Errorf("replies: %q", replies)
	}

	// Live: the community page is open; b posts; it appears.
	must(chromedp.Do(ctx,
		chromedp.Navigate(base+"/c/"+community.String()),
		chromedp.WaitVisible(`#threads`),
	))
	hostile := `<img src=x onerror="document.title='pwned'"> and <b>bold</b>`
	if _, err := b.Post(bg, community, api.PostRequest{Title: hostile, Body: "from b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("threads").innerText.includes("onerror")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("b's post did not appear live: %v", err)
	}
	threads := text(`#threads`)
	images, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#threads img, #threads b").length`))
	must(err)
	pageTitle, err := chromedp.Run(ctx, chromedp.Title())
	must(err)
	if !strings.Contains(threads, hostile) || images != 0 || pageTitle == "pwned" {
		t.Errorf("b's title was not shown as text: %q, %d elements made of it, title %q", threads, images, pageTitle)
	}
}

// TestRefusals: without the session cookie, from another origin, or under
// a foreign Host name, the UI refuses.
func TestRefusals(t *testing.T) {
	a := startNode(t)
	base := a.APIURL()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, mod func(*http.Request)) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if mod != nil {
			mod(req)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("home without a session: %s", r.Status)
	}
	if r := get("/login?code=wrong", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with a wrong code: %s", r.Status)
	}
	login := get(strings.TrimPrefix(a.UILoginURL(), base), nil)
	if login.StatusCode != http.StatusSeeOther || len(login.Cookies()) != 1 || !login.Cookies()[0].HttpOnly {
		t.Fatalf("login: %s %v", login.Status, login.Cookies())
	}
	cookie := login.Cookies()[0]
	withCookie := func(req *http.Request) { req.AddCookie(cookie) }
	if r := get("/", withCookie); r.StatusCode != http.StatusOK {
		t.Errorf("home with the session: %s", r.Status)
	}
	if r := get("/", func(req *http.Request) { withCookie(req); req.Host = "evil.example" }); r.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %s", r.Status)
	}
	post := func(origin string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/communities", strings.NewReader(url.Values{"name": {"Forged"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.AddCookie(cookie)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("http://evil.example"); code != http.StatusForbidden {
		t.Errorf("form from another origin: %d", code)
	}
	if code := post(""); code != http.StatusForbidden {
		t.Errorf("form without an Origin: %d", code)
	}
	if code := post(base); code != http.StatusSeeOther {
		t.Errorf("form from the UI itself: %d", code)
	}
}
