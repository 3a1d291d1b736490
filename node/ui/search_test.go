package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
)

// TestSearchPage: the search box in every page's header finds what
// members wrote, with the matched words marked; filters narrow it; a
// broken query says why; hostile titles and text found are inert.
func TestSearchPage(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Finders"})
	_, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Configuring the VPN router", Body: "It drops packets after an hour."})
	must(t, err)
	_, err = b.Post(bg, community, api.PostRequest{Title: `<img src=x onerror="window.pwned=true"> router`, Body: `<script>window.pwned=true</script> router <b>bold</b>`})
	must(t, err)
	// Both are indexed on a (b's by replication).
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := a.Search(bg, api.SearchRequest{Query: "router"})
		must(t, err)
		if len(res.Hits) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not indexed: %+v", res)
		}
		time.Sleep(50 * time.Millisecond)
	}

	login(t, ctx, a)
	do(t, ctx, "search from the header", chromedp.SendKeys(`#site-q`, "configured"), chromedp.Submit(`#site-q`), chromedp.WaitVisible(`#results`))
	if got := text(t, ctx, `#results`); !strings.Contains(got, "Configuring the VPN router") || strings.Contains(got, "onerror") {
		t.Errorf("results for configured: %q", got)
	}
	if got := text(t, ctx, `#results mark`); !strings.EqualFold(got, "Configuring") {
		t.Errorf("marked word: %q", got)
	}
	screenshot(t, ctx, "search")
	do(t, ctx, "search for the hostile post", chromedp.Navigate(a.APIURL()+"/search?q=router&kind=post"), chromedp.WaitVisible(`#results`))
	if got := text(t, ctx, `#results`); !strings.Contains(got, "onerror") || !strings.Contains(got, "VPN") {
		t.Errorf("results for router: %q", got)
	}
	assertInert(t, ctx)
	if n := eval[int](t, ctx, `document.querySelectorAll("#results b, #results img, #results script").length`); n != 0 {
		t.Errorf("markup from a post became elements: %d", n)
	}
	do(t, ctx, "a broken search", chromedp.Navigate(a.APIURL()+`/search?q=%22unclosed`), chromedp.WaitVisible(`p.error`))
	if got := text(t, ctx, `p.error`); !strings.Contains(got, "never closed") {
		t.Errorf("broken search says %q", got)
	}
	do(t, ctx, "a filtered search", chromedp.Navigate(a.APIURL()+"/search?q=router&kind=note"), chromedp.WaitVisible(`main h1`))
	if got := text(t, ctx, `main`); !strings.Contains(got, "Nothing found") {
		t.Errorf("a note search found something: %q", got)
	}
}

// TestSearchEventLinks: an event found links to the events page that
// lists it, at its anchor: the past events page for one that is over
// (the upcoming page does not show it), the upcoming page for one to
// come; and that page has the anchor.
func TestSearchEventLinks(t *testing.T) {
	n := startNode(t)
	bg := context.Background()
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Gatherings"})
	must(t, err)
	lastMonth := time.Now().AddDate(0, -1, 0)
	over, err := n.NewEvent(bg, community, api.EventRequest{Title: "Soldering evening", Start: lastMonth.Format(time.RFC3339),
		End: lastMonth.Add(3 * time.Hour).Format(time.RFC3339)})
	must(t, err)
	nextMonth := time.Now().AddDate(0, 1, 0)
	coming, err := n.NewEvent(bg, community, api.EventRequest{Title: "Soldering workshop", Start: nextMonth.Format(time.RFC3339)})
	must(t, err)
	eventually(t, "both events indexed", func() bool {
		res, err := n.Search(bg, api.SearchRequest{Query: "soldering", Kind: "event"})
		return err == nil && len(res.Hits) == 2
	})

	s := newSession(t, n)
	status, _, body := s.get("/search?q=soldering&kind=event")
	if status != http.StatusOK {
		t.Fatalf("search: %d\n%s", status, body)
	}
	pastLink := "/e/" + over.String()
	comingLink := "/e/" + coming.String()
	for _, want := range []string{`href="` + pastLink + `"`, `href="` + comingLink + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the results have no %s:\n%s", want, body)
		}
	}
	for link, id := range map[string]string{pastLink: over.String(), comingLink: coming.String()} {
		status, _, body := s.get(link)
		if status != http.StatusOK || !strings.Contains(body, `id="e-`+id+`"`) || !strings.Contains(body, "Soldering") {
			t.Errorf("%s: %d, without the event:\n%s", link, status, body)
		}
	}
}
