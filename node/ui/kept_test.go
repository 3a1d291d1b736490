package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
	for _, want := range []string{"What you wrote", html.EscapeString(title), html.EscapeString(body), ">soil</textarea>"} {
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
	// A refusal of a form without text says only why.
	if code, _, page := s.post("/r/"+protocol.ID{7}.String()+"/react", s.base, url.Values{"reaction": {"helpful"}}); code < 400 || strings.Contains(page, "What you wrote") {
		t.Errorf("a refused reaction: %d\n%s", code, page)
	}

	_, _, page = s.get("/c/" + community.String())
	if !strings.Contains(page, `id="post-title" name="title" required maxlength="`+strconv.Itoa(protocol.MaxTitleRunes)+`"`) {
		t.Errorf("the new-thread form's title has no maxlength of %d", protocol.MaxTitleRunes)
	}
}
