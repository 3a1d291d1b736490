package ui_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestEveryPage opens every page of the UI in the browser, with content
// on each, and checks what every page owes its readers: it loads with a
// heading, every form field has a label, the browser reports no
// Content-Security-Policy violation or script error (no inline script or
// style slipped in), every text is readable against its background in
// the light and the dark theme (WCAG's 4.5:1), and at a phone's width
// (360 px) nothing is wider than the screen, with the longest names,
// tags and titles members may write.
func TestEveryPage(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	// The longest community name and tag there may be, with no space.
	longName := strings.Repeat("Association", 9)
	longTag := strings.Repeat("infrastructure-", 4) + "code"
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Every page", Domain: "checking pages", Charter: "Be **kind**."})
	must(t, err)
	_, err = a.CreateCommunity(bg, api.CreateCommunityRequest{Name: longName})
	must(t, err)
	_, err = a.SetProfile(bg, api.ProfileRequest{Name: "Ada", Org: "Engines", Expertise: []string{"looms"}, Bio: "Writes *programs*."})
	must(t, err)
	thread, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "A question with a rather long title that has to wrap on a phone's narrow screen", Body: "Why?\n\n```\na line of code far longer than any phone is wide, which must scroll inside its box and not widen the page\n```", Tags: []string{"looms", longTag}})
	must(t, err)
	// The longest title there may be, nearly one word: the list's other
	// columns keep their words whole beside it.
	_, err = a.Post(bg, community, api.PostRequest{Type: "discussion", Title: "Why " + strings.Repeat("x", protocol.MaxTitleRunes-4)})
	must(t, err)
	reply, err := a.Reply(bg, thread, api.ReplyRequest{Body: "Because."})
	must(t, err)
	_, err = a.Accept(bg, reply)
	must(t, err)
	note, err := a.NewNote(bg, community, api.NoteRequest{Title: "How we work", Body: "| a | b |\n|---|---|\n| 1 | 2 |", Tags: []string{"process"}})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	_, err = a.Revise(bg, note, api.RevisionRequest{Title: "See https://wiki.example.org/how-we-work/" + strings.Repeat("and-why", 20),
		Body: "Kindly.", Parents: []protocol.ID{note}})
	must(t, err)
	_, err = a.NewEvent(bg, community, api.EventRequest{Title: "Meet-up", Start: time.Now().Add(48 * time.Hour).Format(time.RFC3339), Where: "https://meet.example/kith"})
	must(t, err)
	st, err := a.Status(bg)
	must(t, err)

	var mu sync.Mutex
	var complaints []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				complaints = append(complaints, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	login(t, ctx, a)
	c := "/c/" + community.String()
	pages := []string{"/", c, c + "/about", "/t/" + thread.String(), "/t/" + thread.String() + "/edit",
		c + "/notes", "/n/" + note.String(), "/n/" + note.String() + "/edit", "/n/" + note.String() + "/diff",
		c + "/people", c + "/people?topic=looms", c + "/people/" + st.MemberKey.String(), "/settings",
		c + "/events", c + "/admin", c + "/forget", "/r/" + thread.String() + "/versions", "/network", "/search", "/search?q=looms+why"}
	for _, pass := range []struct {
		width int64
		dark  bool
	}{{1280, false}, {1280, true}, {360, false}} {
		width := pass.width
		scheme := "light"
		if pass.dark {
			scheme = "dark"
		}
		do(t, ctx, "resize", chromedp.EmulateViewport(width, 800),
			chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
				_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				return err
			}))
		for _, page := range pages {
			do(t, ctx, "open "+page, chromedp.Navigate(a.APIURL()+page), chromedp.WaitVisible(`main h1`))
			loaded(ctx)
			// A keyboard user's first stop skips the header to the page.
			if !eval[bool](t, ctx, `(() => { const f = document.querySelector("a[href], button, input, select, textarea");
				return f.matches("a.skip[href='#main']") && document.getElementById("main") !== null })()`) {
				t.Errorf("%s: the first thing to tab to is not the link that skips to the page", page)
			}
			unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
				.filter(e => e.labels.length === 0 && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
				.map(e => e.outerHTML.slice(0, 120))`)
			if len(unlabelled) > 0 {
				t.Errorf("%s: fields without a label: %q", page, unlabelled)
			}
			if broken := eval[[]string](t, ctx, brokenWords); len(broken) > 0 {
				t.Errorf("%s at %d px: short words broken across lines in tables (a long word beside them squeezed their column):\n%s", page, width, strings.Join(broken, "\n"))
			}
			if width > 500 {
				if low := eval[[]string](t, ctx, lowContrast); len(low) > 0 {
					t.Errorf("%s, %s theme: text hard to read (contrast, element, text):\n%s", page, scheme, strings.Join(low, "\n"))
				}
			}
			if width < 500 {
				// Lists are stacked rows on a phone, their headers hidden:
				// each cell but the first (the thing itself) says what it is.
				if bare := eval[[]string](t, ctx, `[...document.querySelectorAll("table.list tbody tr")].flatMap(tr => [...tr.cells].slice(1))
					.filter(td => !td.dataset.label).map(td => td.textContent.trim().slice(0, 30))`); len(bare) > 0 {
					t.Errorf("%s at %d px: list cells without a label: %q", page, width, bare)
				}
				if wide := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); wide > 1 {
					// The elements that stick out, innermost first: what to fix.
					out := eval[[]string](t, ctx, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
						.filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)).slice(0, 5)
						.map(e => e.tagName.toLowerCase() + "." + e.className + ": " + e.outerHTML.slice(0, 100))`)
					t.Errorf("%s at %d px: the page is %d px wider than the screen:\n%s", page, width, wide, strings.Join(out, "\n"))
				}
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // the last console messages
	mu.Lock()
	defer mu.Unlock()
	if len(complaints) > 0 {
		t.Errorf("the browser complained:\n%s", strings.Join(complaints, "\n"))
	}
}

// brokenWords lists the words of at most 16 characters in the page's
// tables that are split across lines: a column squeezed to a few letters.
const brokenWords = `(() => {
  const out = [];
  for (const cell of document.querySelectorAll("table th, table td")) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n; (n = walk.nextNode());) {
      const re = /\S+/g;
      for (let m; (m = re.exec(n.textContent));) {
        if (m[0].length > 16) continue;
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        if (new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1) out.push(cell.tagName.toLowerCase() + ": " + m[0]);
      }
    }
  }
  return out.slice(0, 10);
})()`

// lowContrast lists the texts of the page whose colour stands out from
// the background behind them by less than WCAG's 4.5:1 (the background is
// the nearest opaque one of the element and its ancestors). Texts not
// shown (hidden, or clipped to a pixel for screen readers) and the
// options of closed lists are left out.
const lowContrast = `(() => {
  const rgba = c => (c.match(/[\d.]+/g) || ["0", "0", "0", "0"]).map(Number);
  const lum = c => {
    const [r, g, b] = rgba(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = e => {
    for (; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor, v = rgba(c);
      if (v.length < 4 || v[3] > 0.5) return c;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    const text = n.textContent.trim(), e = n.parentElement;
    if (!text || e.closest("select, option, script, style")) continue;
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    if (r.width <= 1 || r.height <= 1 || s.visibility !== "visible" || e.closest("[hidden]")) continue;
    const a = lum(s.color), b = lum(behind(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(ratio.toFixed(2) + " " + e.tagName.toLowerCase() + "." + e.className + ": " + text.slice(0, 40));
  }
  return out;
})()`

// TestIDOfAnotherPage (plain HTTP): an id in the address of another kind
// of page leads to the page that shows it (a reply's at /t/ said "show
// that one" without a link); an id of nothing with a page stays a page
// not found.
func TestIDOfAnotherPage(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Addresses"})
	must(t, err)
	post, err := n.Post(bg, community, api.PostRequest{Title: "Where", Body: "Here."})
	must(t, err)
	reply, err := n.Reply(bg, post, api.ReplyRequest{Body: "There."})
	must(t, err)
	note, err := n.NewNote(bg, community, api.NoteRequest{Title: "Runbook", Body: "Steps."})
	must(t, err)
	react, err := n.React(bg, note, api.ReactRequest{Reaction: "helpful"})
	if err != nil {
		react = protocol.ID{} // own notes take no reaction: a community's genesis is the record with no page then
	}
	s := newSession(t, n)
	for _, c := range []struct{ path, want string }{
		{"/t/" + reply.String(), "/t/" + post.String() + "#r-" + reply.String()},
		{"/n/" + post.String(), "/t/" + post.String()},
		{"/e/" + post.String(), "/t/" + post.String()},
		{"/t/" + note.String(), "/n/" + note.String()},
		{"/t/" + community.String(), "/c/" + community.String()},
	} {
		if code, loc, body := s.get(c.path); code != http.StatusSeeOther || loc != c.want {
			t.Errorf("GET %s: %d %q, want a redirect to %s: %.300s", c.path, code, loc, c.want, body)
		}
	}
	if !react.IsZero() {
		if code, _, _ := s.get("/t/" + react.String()); code != http.StatusNotFound {
			t.Errorf("a reaction's id at /t/: %d, want 404", code)
		}
	}
	if code, _, _ := s.get("/t/" + strings.Repeat("ab", 32)); code != http.StatusNotFound {
		t.Errorf("an id of nothing: %d, want 404", code)
	}
}
