package ui_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestForgetInTheBrowser: the about page leads to the forget page, which
// warns the only member that the community goes for good, and its button
// deletes it from the node and says so on the home page.
func TestForgetInTheBrowser(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Solo practice"})
	must(t, err)
	_, err = a.Post(bg, community, api.PostRequest{Title: "Only here", Body: "Nobody else has this."})
	must(t, err)
	ctx := browser(t)
	login(t, ctx, a)
	c := uiBase(a) + "/c/" + community.String()
	do(t, ctx, "open the about page", chromedp.Navigate(c+"/about"), chromedp.WaitVisible(`#forget-link`))
	do(t, ctx, "follow the forget link", chromedp.Click(`#forget-link`), chromedp.WaitVisible(`.confirm button`))
	if got := text(t, ctx, `main`); !strings.Contains(got, "3 records (all yours)") || !strings.Contains(got, "you stay a member") {
		t.Errorf("forget page: %q", got)
	}
	if got := text(t, ctx, `#forget-alone`); !strings.Contains(got, "only member") || !strings.Contains(got, "Download a copy") {
		t.Errorf("the only member's warning: %q", got)
	}
	screenshot(t, ctx, "forget")
	do(t, ctx, "forget", chromedp.Click(`.confirm button`))
	waitText(t, ctx, `#forgot`, "Done: the community is deleted from this node (3 records). You were its only member")
	if cs, err := a.Communities(bg); err != nil || len(cs) != 0 {
		t.Errorf("communities after forgetting in the browser: %+v, %v", cs, err)
	}
	if got := text(t, ctx, `main`); strings.Contains(got, "Solo practice") {
		t.Errorf("the home page still lists the community: %q", got)
	}
}

// TestForgetRefusals: the forget form takes only the UI's own pages, and
// a community not held is a page not found; the home page's message
// takes only a count.
func TestForgetRefusals(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Kept"})
	must(t, err)
	s := newSession(t, a)
	path := "/c/" + community.String() + "/forget"
	if status, _, _ := s.post(path, "http://evil.example", url.Values{}); status != http.StatusForbidden {
		t.Errorf("forget from another site: %d", status)
	}
	if cs, _ := a.Communities(bg); len(cs) != 1 {
		t.Fatal("a form from another site forgot the community")
	}
	other := protocol.ID{1}
	if status, _, _ := s.get("/c/" + other.String() + "/forget"); status != http.StatusNotFound {
		t.Errorf("the forget page of a community not held: %d", status)
	}
	if status, _, _ := s.post("/c/"+other.String()+"/forget", s.base, url.Values{}); status != http.StatusNotFound {
		t.Errorf("forgetting a community not held: %d", status)
	}
	if _, _, body := s.get("/?forgot=<b>x</b>"); strings.Contains(body, `id="forgot"`) {
		t.Error("the home page shows a forget message for a query that is no count")
	}
	status, loc, _ := s.post(path, s.base, url.Values{})
	if status != http.StatusSeeOther || loc != "/?forgot=2&alone=1" { // the genesis and this node's device record
		t.Errorf("forget: %d to %q", status, loc)
	}
}

// TestExportDownload: the about page's archive link downloads what `kith
// export` writes, named after the community.
func TestExportDownload(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Café Ops / Night shift"})
	must(t, err)
	_, err = a.Post(bg, community, api.PostRequest{Title: "Handover", Body: "Notes for the morning."})
	must(t, err)
	s := newSession(t, a)
	req, err := http.NewRequest(http.MethodGet, s.base+"/c/"+community.String()+"/export", nil)
	must(t, err)
	req.AddCookie(s.cookie)
	resp, err := s.client.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != `attachment; filename="caf-ops-night-shift.kith"` {
		t.Errorf("export: %s, %q", resp.Status, resp.Header.Get("Content-Disposition"))
	}
	ar, err := protocol.NewArchiveReader(resp.Body)
	must(t, err)
	if ar.Header.Community != community || ar.Header.Records != 3 {
		t.Errorf("archive header: %+v", ar.Header)
	}
	n := 0
	for {
		_, err := ar.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		n++
	}
	if n != 3 {
		t.Errorf("the archive holds %d records, want 3", n)
	}
}
