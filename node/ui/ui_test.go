package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestBrowse follows a member through the UI as a person would, by
// clicking and typing: log in with the daemon's one-time link, start a
// community, ask a question, see another member's reply appear live on
// the open page, accept it, mark it helpful, edit the question; the about
// page draws the community's activity. What other members write is shown
// as text or sanitised Markdown, never as markup that runs.
func TestBrowse(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()

	login(t, ctx, a)
	do(t, ctx, "start a community",
		chromedp.SendKeys(`#new-name`, "Browser club"),
		chromedp.SendKeys(`#new-domain`, "testing pages"),
		chromedp.SendKeys(`#new-charter`, "We test *pages*."),
		chromedp.Click(`form[action="/communities"] button`),
		chromedp.WaitVisible(`#post-title`))
	location, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	community, err := protocol.ParseID(location[strings.LastIndex(location, "/")+1:])
	must(t, err)
	addMember(t, a, b, community)

	do(t, ctx, "ask a question",
		chromedp.SendKeys(`#post-title`, "How do we test pages?"),
		chromedp.SetValue(`#post-type`, "question"),
		chromedp.SendKeys(`#post-body`, "With a **real** browser?"),
		chromedp.SendKeys(`#post-tags`, "testing, browsers"),
		chromedp.Click(`form.compose button`),
		chromedp.WaitVisible(`article.post h1`))
	location, err = chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	thread, err := protocol.ParseID(location[strings.LastIndex(location, "/")+1:])
	must(t, err)
	if got := text(t, ctx, `article.post h1`); got != "How do we test pages?" {
		t.Errorf("thread title %q", got)
	}
	if got := text(t, ctx, `article.post .text strong`); got != "real" {
		t.Errorf("the question's Markdown: <strong> holds %q", got)
	}

	// A form is sent once: a second submit before the next page loads
	// (a double click) goes nowhere. Synthetic events: nothing is sent.
	prevented, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`(function () {
		var f = document.querySelector("form.compose"), out = [];
		for (var i = 0; i < 2; i++) {
			var e = new Event("submit", {bubbles: true, cancelable: true});
			f.dispatchEvent(e);
			out.push(e.defaultPrevented);
		}
		f.removeAttribute("data-sent");
		return out;
	})()`))
	must(t, err)
	if !slices.Equal(prevented, []bool{false, true}) {
		t.Errorf("two submits of one form: prevented %v, want the second only", prevented)
	}

	// b answers; the open page shows it without a reload.
	reply, err := b.Reply(bg, thread, api.ReplyRequest{Body: "Yes: chromedp drives Chromium."})
	must(t, err)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("ol.replies") !== null && document.querySelector("ol.replies").innerText.includes("chromedp drives")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("b's reply did not appear live: %v", err)
	}
	do(t, ctx, "accept the answer", chromedp.Click(`#r-`+reply.String()+` button.accept`), chromedp.WaitVisible(`section.accepted`))
	if got := text(t, ctx, `section.accepted .text`); !strings.Contains(got, "chromedp drives Chromium") {
		t.Errorf("accepted answer shows %q", got)
	}
	do(t, ctx, "mark it helpful", chromedp.Click(`#r-`+reply.String()+` .reactions button`))
	waitText(t, ctx, `#r-`+reply.String()+` .reactions button`, "Helpful · 1")
	screenshot(t, ctx, "thread")
	do(t, ctx, "edit the question",
		chromedp.Click(`article.post .actions a`),
		chromedp.WaitVisible(`#edit-body`),
		chromedp.Clear(`#edit-body`),
		chromedp.SendKeys(`#edit-body`, "With a real browser, headless."),
		chromedp.Click(`form.compose button`),
		chromedp.WaitVisible(`article.post h1`))
	if got := text(t, ctx, `article.post .text`); !strings.Contains(got, "headless") {
		t.Errorf("edited question shows %q", got)
	}
	if got := text(t, ctx, `article.post .muted`); !strings.Contains(got, "edited") {
		t.Errorf("edited question does not say so: %q", got)
	}

	// The community page lists the answered question; b's hostile title
	// appears on it live, as text.
	do(t, ctx, "open the community", chromedp.Navigate(a.APIURL()+"/c/"+community.String()), chromedp.WaitVisible(`#threads`))
	if got := text(t, ctx, `#threads`); !strings.Contains(got, "answered") {
		t.Errorf("threads list: %q", got)
	}
	hostile := `<img src=x onerror="document.title='pwned'"> and <b>bold</b>`
	_, err = b.Post(bg, community, api.PostRequest{Title: hostile, Body: "<script>document.title='pwned'</script>[x](javascript:document.title='pwned')"})
	must(t, err)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("threads").innerText.includes("onerror")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("b's post did not appear live: %v", err)
	}
	screenshot(t, ctx, "community")
	do(t, ctx, "open b's post", chromedp.Click(`#threads tbody tr:first-child td a`), chromedp.WaitVisible(`article.post`))
	assertInert(t, ctx)

	do(t, ctx, "open about", chromedp.Navigate(a.APIURL()+"/c/"+community.String()+"/about"), chromedp.WaitVisible(`#activity-chart svg`))
	if got := text(t, ctx, `#people-chart figcaption`); !strings.Contains(got, "1 are core") && !strings.Contains(got, "2 active") {
		t.Errorf("participation caption: %q", got)
	}
	if got := text(t, ctx, `main`); !strings.Contains(got, "We test pages.") {
		t.Errorf("about page without the charter: %q", got)
	}
	// Axes people read: weeks by the day they start, members whole.
	if got := eval[string](t, ctx, `document.querySelector("#activity-chart svg").textContent`); regexp.MustCompile(`-\d`).MatchString(got) || !strings.Contains(got, time.Now().UTC().Format("2006")) {
		t.Errorf("activity chart's axis: %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector("#people-chart svg").textContent`); strings.Contains(got, ".5") {
		t.Errorf("members chart counts in halves: %q", got)
	}
	screenshot(t, ctx, "about")
	do(t, ctx, "home", chromedp.Navigate(a.APIURL()+"/"), chromedp.WaitVisible(`#communities`))
	if got := text(t, ctx, `#communities`); !strings.Contains(got, "Browser club") || !strings.Contains(got, "testing pages") {
		t.Errorf("home page: %q", got)
	}
	screenshot(t, ctx, "home")
}

// assertInert checks, in the browser, that nothing other members wrote
// ran or became active markup on the page shown.
func assertInert(t *testing.T, ctx context.Context) {
	t.Helper()
	title, err := chromedp.Run(ctx, chromedp.Title())
	must(t, err)
	pwned := eval[bool](t, ctx, `window.pwned === true`)
	active := eval[int](t, ctx, `document.querySelectorAll(
		"main script, main [onerror], main [onload], main [onclick], main a[href^='javascript'], main iframe, main object, main embed, main style, main [style], main form[action^='http']").length`)
	if title == "pwned" || pwned || active != 0 {
		t.Errorf("hostile content was live: title %q, window.pwned %v, %d active elements", title, pwned, active)
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
	s := newSession(t, a)
	if login := s.login; login.StatusCode != http.StatusSeeOther || len(login.Cookies()) != 1 || !login.Cookies()[0].HttpOnly {
		t.Fatalf("login: %s %v", login.Status, login.Cookies())
	}
	if code, _, _ := s.get("/"); code != http.StatusOK {
		t.Errorf("home with the session: %d", code)
	}
	if r := get("/", func(req *http.Request) { req.AddCookie(s.cookie); req.Host = "evil.example" }); r.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %s", r.Status)
	}
	form := url.Values{"name": {"Forged"}}
	if code, _, _ := s.post("/communities", "http://evil.example", form); code != http.StatusForbidden {
		t.Errorf("form from another origin: %d", code)
	}
	if code, _, _ := s.post("/communities", "", form); code != http.StatusForbidden {
		t.Errorf("form without an Origin: %d", code)
	}
	if code, _, _ := s.post("/communities", base, form); code != http.StatusSeeOther {
		t.Errorf("form from the UI itself: %d", code)
	}
	// Another site cannot log the browser out either.
	if code, _, _ := s.post("/logout", "http://evil.example", url.Values{}); code != http.StatusForbidden {
		t.Errorf("log out from another origin: %d", code)
	}
}

// TestManyLivePages: going back and forth between live pages, by links
// and by the back button, never stalls: each page closes its event stream
// when left (browsers keep left pages in their back/forward cache, and
// open streams there would take up every connection to the UI).
func TestManyLivePages(t *testing.T) {
	ctx := browserWith(t) // with the back/forward cache
	a := startNode(t)
	community, err := a.CreateCommunity(context.Background(), api.CreateCommunityRequest{Name: "Walkers"})
	must(t, err)
	thread, err := a.Post(context.Background(), community, api.PostRequest{Title: "Where to?", Body: "Anywhere."})
	must(t, err)
	login(t, ctx, a)
	// The page is driven by script, not by chromedp's queries: chromedp
	// loses track of a document restored from the back/forward cache.
	js := func(step, expr string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				// Where the browser is, to tell a stalled load from a wrong page.
				t.Fatalf("%s: %s never became true (%v) at %s: pages stall", step, expr, err, where(ctx))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	click := func(sel string) string {
		return `(() => { const e = document.querySelector(` + "`" + sel + "`" + `); if (!e) return false; e.click(); return true })()`
	}
	for i := range 12 {
		start := time.Now()
		round := fmt.Sprintf("round %d", i)
		js(round+": open the community", click(`#communities a`))
		js(round+": community shown", `document.getElementById("threads") !== null`)
		js(round+": open the thread", click(`#threads a[href="/t/`+thread.String()+`"]`))
		js(round+": thread shown", `document.querySelector("article.post") !== null`)
		// Once: the evaluation can fail as the page goes, and a retry
		// would go back a second page.
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`(history.back(), true)`))
		js(round+": community shown again", `document.getElementById("threads") !== null && !document.querySelector("article.post")`)
		js(round+": home", click(`header a.brand`))
		js(round+": home shown", `document.getElementById("communities") !== null`)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s took %v: pages stall", round, d)
		}
	}
}

// TestLiveHomeAndNetwork: the home page and the network page follow
// every community: another member's posts show up there without a reload
// (new-thread counts, records held: a sync's progress).
func TestLiveHomeAndNetwork(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Live everywhere"})
	login(t, ctx, a)
	// Opening the community marks it seen: nothing is new after that. (By
	// its address: a click on the home page's link could land on a table
	// the live update was replacing, and go nowhere.)
	do(t, ctx, "open the community", chromedp.Navigate(uiBase(a)+"/c/"+community.String()), chromedp.WaitVisible(`form.compose`))
	do(t, ctx, "home", chromedp.Click(`header a.brand`), chromedp.WaitVisible(`#communities`))
	if got := text(t, ctx, `#communities tbody`); strings.Contains(got, "new") {
		t.Fatalf("home shows news before any: %q", got)
	}
	_, err := b.Post(bg, community, api.PostRequest{Title: "Fresh", Body: "from b"})
	must(t, err)
	waitText(t, ctx, `#communities tbody`, "1 new")

	do(t, ctx, "network", chromedp.Navigate(a.APIURL()+"/network"), chromedp.WaitVisible(`#live`))
	held := func() uint64 {
		cs, err := a.Communities(bg)
		must(t, err)
		return cs[0].Records
	}
	start := held()
	waitText(t, ctx, `#c-`+community.String(), fmt.Sprintf("%d records held", start))
	for i := range 3 {
		_, err = b.Post(bg, community, api.PostRequest{Title: fmt.Sprintf("More %d", i), Body: "from b"})
		must(t, err)
	}
	waitText(t, ctx, `#c-`+community.String(), fmt.Sprintf("%d records held", start+3))
}

// TestLivePageGone (Chromium): a page whose thread or note is deleted by
// another member while it is open says so; the live refresh took the
// 404 for nothing, and the page went on showing the text as if it stood.
func TestLivePageGone(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Fleeting"})
	post, err := b.Post(bg, community, api.PostRequest{Title: "Soon gone", Body: "by b"})
	must(t, err)
	note, err := b.NewNote(bg, community, api.NoteRequest{Title: "Also soon gone", Body: "by b"})
	must(t, err)
	eventually(t, "b's records reach a", func() bool { _, err := a.Note(bg, note); return err == nil })
	login(t, ctx, a)
	for _, page := range []struct {
		path string
		id   protocol.ID
	}{{"/t/" + post.String(), post}, {"/n/" + note.String(), note}} {
		do(t, ctx, page.path, chromedp.Navigate(uiBase(a)+page.path), chromedp.WaitVisible(`#live h1`))
		_, err := b.Delete(bg, page.id, api.ModerationRequest{WholeNote: true})
		must(t, err)
		waitText(t, ctx, `#live-gone`, "no longer shown")
	}
}

// TestNewThreadsMarked (plain HTTP): the home page's count of threads new
// since the community was last opened links to them, most active first,
// and the community page marks them, also through its live refresh
// (which is no visit: it leaves them marked), until the next visit.
func TestNewThreadsMarked(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Reading"})
	must(t, err)
	_, err = n.Post(bg, community, api.PostRequest{Title: "Old news", Body: "read"})
	must(t, err)
	s := newSession(t, n)
	var seen *http.Cookie
	get := func(path string, live bool) (string, *http.Cookie) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
		must(t, err)
		req.AddCookie(s.cookie)
		if seen != nil {
			req.AddCookie(seen)
		}
		if live {
			req.Header.Set("Sec-Fetch-Mode", "cors")
		}
		resp, err := s.client.Do(req)
		must(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, err)
		for _, c := range resp.Cookies() {
			if strings.HasPrefix(c.Name, "kith_seen") {
				return string(body), c
			}
		}
		return string(body), nil
	}
	cpath := "/c/" + community.String()
	body, set := get(cpath, false)
	if set == nil || strings.Contains(body, "thread-new") {
		t.Fatalf("the first visit: a seen cookie %v, threads marked new %v", set, strings.Contains(body, "thread-new"))
	}
	seen = set
	time.Sleep(5 * time.Millisecond)
	_, err = n.Post(bg, community, api.PostRequest{Title: "Fresh news", Body: "unread"})
	must(t, err)
	if home, _ := get("/", false); !strings.Contains(home, `href="`+cpath+`?order=active">1 new`) {
		t.Errorf("the home page does not link the one new thread:\n%s", home)
	}
	body, set = get(cpath, true)
	if strings.Count(body, "thread-new") != 1 || set != nil {
		t.Errorf("the live refresh: %d threads marked new (want 1), a seen cookie set %v", strings.Count(body, "thread-new"), set != nil)
	}
	body, set = get(cpath, false)
	if strings.Count(body, "thread-new") != 1 || set == nil {
		t.Fatalf("the next visit: %d threads marked new (want 1), a seen cookie set %v", strings.Count(body, "thread-new"), set != nil)
	}
	seen = set
	if body, _ := get(cpath, false); strings.Contains(body, "thread-new") {
		t.Error("a thread is still marked new after the visit that showed it")
	}
}
