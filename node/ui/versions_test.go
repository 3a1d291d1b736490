package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestVersionsPage: "edited" on a thread's page leads to its versions,
// newest first, each with what it changed.
func TestVersionsPage(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Edits"})
	must(t, err)
	post, err := a.Post(bg, community, api.PostRequest{Title: "Backups", Body: "Keep a week."})
	must(t, err)
	_, err = a.Edit(bg, post, api.EditRequest{Body: "Keep a <month>."})
	must(t, err)
	s := newSession(t, a)
	status, _, body := s.get("/t/" + post.String())
	if status != http.StatusOK || !strings.Contains(body, `href="/r/`+post.String()+`/versions"`) {
		t.Fatalf("the thread page does not link its versions: %d", status)
	}
	status, _, body = s.get("/r/" + post.String() + "/versions")
	if status != http.StatusOK {
		t.Fatalf("versions page: %d", status)
	}
	cur, first := strings.Index(body, "Current version"), strings.Index(body, "First version")
	if cur < 0 || first < cur || !strings.Contains(body, "edited it once") {
		t.Errorf("versions page, newest first: %q", body)
	}
	if !strings.Contains(body, "<del>Keep a week.</del>") || !strings.Contains(body, "<ins>Keep a &lt;month&gt;.</ins>") {
		t.Errorf("what the edit changed, escaped: %q", body)
	}
	ev, err := a.NewEvent(bg, community, api.EventRequest{Title: "Restore drill", Start: time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)})
	must(t, err)
	_, err = a.EditEvent(bg, ev, api.EventRequest{Title: "Restore drill, room 2", Where: "Room 2"})
	must(t, err)
	if status, _, body := s.get("/e/" + ev.String()); status != http.StatusOK || !strings.Contains(body, `href="/r/`+ev.String()+`/versions"`) {
		t.Errorf("a changed event's page does not link its versions: %d", status)
	}
	if status, _, body := s.get("/r/" + ev.String() + "/versions"); status != http.StatusOK || !strings.Contains(body, "Versions of an event") ||
		!strings.Contains(body, `<li>title: <strong>Restore drill, room 2</strong> <span class="muted">(was Restore drill)</span></li>`) ||
		!strings.Contains(body, `<li>where: <strong>Room 2</strong></li>`) || !strings.Contains(body, `<li>starts: <strong>`) {
		t.Errorf("an event's versions, with what the edit changed besides the text: %d %s", status, body)
	}
	if status, _, _ := s.get("/r/" + community.String() + "/versions"); status != http.StatusNotFound {
		t.Errorf("versions of a community: %d, want 404 (no such page)", status)
	}
}

// TestEditFormFiles: the edit page lists the post's files with a box to
// remove each, and the form removes the one ticked.
func TestEditFormFiles(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Files"})
	must(t, err)
	f, err := a.AddFile(bg, strings.NewReader("plan"), "plan.txt", "text/plain")
	must(t, err)
	post, err := a.Post(bg, community, api.PostRequest{Title: "Plan", Body: "Attached.", Files: []api.File{f}})
	must(t, err)
	s := newSession(t, a)
	_, _, body := s.get("/t/" + post.String() + "/edit")
	if !strings.Contains(body, `name="remove" value="`+f.Hash.String()+`"`) || !strings.Contains(body, `name="files"`) {
		t.Fatalf("the edit page offers no way to remove or add files: %q", body)
	}
	status, loc, _ := s.post("/t/"+post.String()+"/edit", s.base, url.Values{"title": {"Plan"}, "body": {"Attached."}, "tags": {""}, "remove": {f.Hash.String()}})
	if status != http.StatusSeeOther || loc != "/t/"+post.String() {
		t.Fatalf("edit: %d to %q", status, loc)
	}
	d, err := a.Thread(bg, post)
	must(t, err)
	if len(d.Files) != 0 || d.Body != "Attached." {
		t.Errorf("after removing the file: files %+v, body %q", d.Files, d.Body)
	}
}
