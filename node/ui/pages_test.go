package ui_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestEveryPage opens every page of the UI in the browser, with content
// on each, and checks what every page owes its readers: it loads with a
// heading, every form field has a label, the browser reports no
// Content-Security-Policy violation or script error (no inline script or
// style slipped in), and at a phone's width nothing is wider than the
// screen.
func TestEveryPage(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Every page", Domain: "checking pages", Charter: "Be **kind**."})
	must(t, err)
	_, err = a.SetProfile(bg, api.ProfileRequest{Name: "Ada", Org: "Engines", Expertise: []string{"looms"}, Bio: "Writes *programs*."})
	must(t, err)
	thread, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "A question with a rather long title that has to wrap on a phone's narrow screen", Body: "Why?\n\n```\na line of code far longer than any phone is wide, which must scroll inside its box and not widen the page\n```", Tags: []string{"looms"}})
	must(t, err)
	reply, err := a.Reply(bg, thread, api.ReplyRequest{Body: "Because."})
	must(t, err)
	_, err = a.Accept(bg, reply)
	must(t, err)
	note, err := a.NewNote(bg, community, api.NoteRequest{Title: "How we work", Body: "| a | b |\n|---|---|\n| 1 | 2 |", Tags: []string{"process"}})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	_, err = a.Revise(bg, note, api.RevisionRequest{Body: "Kindly.", Parents: []protocol.ID{note}})
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
		c + "/events", c + "/admin", "/network", "/search", "/search?q=looms+why"}
	for _, width := range []int64{1280, 390} {
		do(t, ctx, "resize", chromedp.EmulateViewport(width, 800))
		for _, page := range pages {
			do(t, ctx, "open "+page, chromedp.Navigate(a.APIURL()+page), chromedp.WaitVisible(`main h1`))
			loaded(ctx)
			unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
				.filter(e => e.labels.length === 0 && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
				.map(e => e.outerHTML.slice(0, 120))`)
			if len(unlabelled) > 0 {
				t.Errorf("%s: fields without a label: %q", page, unlabelled)
			}
			if width < 500 {
				if wide := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); wide > 1 {
					t.Errorf("%s at %d px: the page is %d px wider than the screen", page, width, wide)
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
