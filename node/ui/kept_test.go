package ui_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestRefusedFormKeepsText: a form the node refuses answers with the
// reason and, below it, what the member wrote (escaped, in read-only
// fields), so that a refusal never loses a long text; the forms' title
// fields stop at the protocol's limit in the browser already.
func TestRefusedFormKeepsText(t *testing.T) {
	a := startNode(t)
	community := noteCommunity(t, a, "Kept")
	s := newSession(t, a)
	title := strings.Repeat("é", protocol.MaxTitleRunes+1)
	body := "Mix greens and browns.\n\n<script>alert(1)</script> & turn it weekly."
	code, _, page := s.post("/c/"+community.String()+"/posts", s.base, url.Values{"title": {title}, "body": {body}, "tags": {"soil"}})
	if code != http.StatusBadRequest || !strings.Contains(page, "the limit is "+strconv.Itoa(protocol.MaxTitleRunes)) {
		t.Fatalf("a title too long: %d\n%s", code, page)
	}
	for _, want := range []string{"What you wrote", html.EscapeString(title), html.EscapeString(body), "\nsoil</textarea>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the error page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("the kept text is not escaped")
	}
	if threads, err := a.Threads(context.Background(), community, api.ThreadQuery{Limit: 10}); err != nil || len(threads.Items) != 0 {
		t.Errorf("the refused form wrote a thread: %v %v", threads, err)
	}
	// Every field a member types is given back, not only the long ones:
	// a profile refused for its name keeps the name and organisation.
	name := strings.Repeat("n", protocol.MaxNameRunes+1)
	code, _, page = s.post("/settings/profile", s.base, url.Values{"name": {name}, "org": {"Soil Lab"}, "bio": {"Compost."}, "expertise": {"soil"}})
	if code != http.StatusBadRequest {
		t.Fatalf("a name too long: %d\n%s", code, page)
	}
	for _, want := range []string{name, "Soil Lab", "Compost.", "\nsoil</textarea>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the profile's error page lacks %q", want)
		}
	}
	// A refusal of a form without text says only why.
	if code, _, page := s.post("/r/"+protocol.ID{7}.String()+"/react", s.base, url.Values{"reaction": {"helpful"}}); code < 400 || strings.Contains(page, "What you wrote") {
		t.Errorf("a refused reaction: %d\n%s", code, page)
	}

	// A form with files refused while it is read (here, a file sent under
	// another field's name) keeps the text read before the refusal.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", "With a file")
	mw.WriteField("body", body)
	fw, err := mw.CreateFormFile("bogus", "notes.txt")
	must(t, err)
	fw.Write([]byte("file bytes"))
	must(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, s.base+"/c/"+community.String()+"/posts", &buf)
	must(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.base)
	code, _, page = s.send(req)
	if code != http.StatusBadRequest || !strings.Contains(page, "unexpected file field") || !strings.Contains(page, html.EscapeString(body)) {
		t.Errorf("a refused form with a file: %d\n%s", code, page)
	}
}

// TestTitleLimitCountsCharacters: the browser holds a title to the
// protocol's limit in characters, as the node counts them, not in UTF-16
// units (maxlength would stop 150 emoji at 100).
func TestTitleLimitCountsCharacters(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	community := noteCommunity(t, a, "Limits")
	login(t, ctx, a)
	do(t, ctx, "open the community", chromedp.Navigate(uiBase(a)+"/c/"+community.String()), chromedp.WaitVisible(`#post-title`))
	valid := func(title string) bool {
		return eval[bool](t, ctx, `(() => { const e = document.querySelector("#post-title"); e.value = `+strconv.Quote(title)+`; return e.checkValidity() })()`)
	}
	if !valid(strings.Repeat("🌱", protocol.MaxTitleRunes)) {
		t.Errorf("%d emoji, a title the node takes, are refused by the form", protocol.MaxTitleRunes)
	}
	if valid(strings.Repeat("a", protocol.MaxTitleRunes+1)) {
		t.Errorf("%d characters pass the form", protocol.MaxTitleRunes+1)
	}
}

// TestFormAfterRestartKeepsText (plain HTTP): a form sent with a session
// that ended (the daemon restarted: a new session) is refused, says
// nothing was saved, and gives back what the member wrote; the "Not
// logged in" page lost it.
func TestFormAfterRestartKeepsText(t *testing.T) {
	a := startNode(t)
	community := noteCommunity(t, a, "Restarted")
	s := newSession(t, a)
	s.cookie.Value = "a session of the daemon before it restarted"
	body := "Two hours of careful writing <b>here</b>."
	code, _, page := s.post("/c/"+community.String()+"/notes", s.base, url.Values{"title": {"Long"}, "body": {body}})
	if code != http.StatusUnauthorized || !strings.Contains(page, "nothing was saved") || !strings.Contains(page, "What you wrote") ||
		!strings.Contains(page, html.EscapeString(body)) {
		t.Errorf("a note sent after a restart: %d\n%s", code, page)
	}
	// Another site's form (no session either: the cookie is SameSite)
	// gets no page of its text.
	if code, _, page := s.post("/c/"+community.String()+"/notes", "http://elsewhere.example", url.Values{"title": {"Planted"}, "body": {body}}); code != http.StatusUnauthorized || strings.Contains(page, "What you wrote") {
		t.Errorf("another site's form: %d\n%s", code, page)
	}
	if code, _, page := s.get("/c/" + community.String()); code != http.StatusUnauthorized || strings.Contains(page, "What you wrote") {
		t.Errorf("a page asked for after a restart: %d", code)
	}
}
