package ui_test

import (
	"context"
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
