package ui_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestReplyToReplyShown (plain HTTP): a reply that answers another reply
// says so on the thread's page, naming that reply's author and linking
// to it.
func TestReplyToReplyShown(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Conversations"})
	must(t, err)
	_, err = n.SetProfile(bg, api.ProfileRequest{Name: "Ines Duarte"})
	must(t, err)
	q, err := n.Post(bg, community, api.PostRequest{Type: "question", Title: "Cover crops?", Body: "Which?"})
	must(t, err)
	first, err := n.Reply(bg, q, api.ReplyRequest{Body: "Clover."})
	must(t, err)
	_, err = n.Reply(bg, first, api.ReplyRequest{Body: "Which clover?"})
	must(t, err)
	st, _, body := newSession(t, n).get("/t/" + q.String())
	if st != http.StatusOK {
		t.Fatalf("thread page: %d", st)
	}
	want := `in reply to <a href="#r-` + first.String() + `">Ines Duarte`
	if strings.Count(body, "in reply to") != 1 || !strings.Contains(body, want) {
		t.Errorf("the reply to a reply is not marked as such (want %q) in:\n%s", want, body)
	}
}

// TestUnacceptForm (plain HTTP): the asker sees the accepted answer with
// a way to withdraw it, and after the form the question has none.
func TestUnacceptForm(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Withdrawals"})
	must(t, err)
	q, err := n.Post(bg, community, api.PostRequest{Type: "question", Title: "Mulch depth?", Body: "?"})
	must(t, err)
	answer, err := n.Reply(bg, q, api.ReplyRequest{Body: "5 cm."})
	must(t, err)
	_, err = n.Accept(bg, answer)
	must(t, err)
	s := newSession(t, n)
	if _, _, body := s.get("/t/" + q.String()); !strings.Contains(body, `action="/t/`+q.String()+`/unaccept"`) {
		t.Fatal("the asker is not offered to withdraw the accepted answer")
	}
	if code, loc, body := s.post("/t/"+q.String()+"/unaccept", s.base, url.Values{}); code != http.StatusSeeOther || loc != "/t/"+q.String() {
		t.Fatalf("withdraw: %d %s %s", code, loc, body)
	}
	if th, err := n.Thread(bg, q); err != nil || th.Accepted != nil {
		t.Errorf("after withdrawing: accepted %v, %v", th.Accepted, err)
	}
	if _, _, body := s.get("/t/" + q.String()); strings.Contains(body, "/unaccept") {
		t.Error("withdrawal offered with no accepted answer")
	}
}

// TestModerationOnAboutPage (plain HTTP): the about page shows every
// member what the moderators did, with the reasons.
func TestModerationOnAboutPage(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Open book"})
	must(t, err)
	s := newSession(t, n)
	if _, _, body := s.get("/c/" + community.String() + "/about"); !strings.Contains(body, "have not changed a role, hidden or deleted anything yet") {
		t.Error("an empty moderation log is not said so")
	}
	p, err := n.Post(bg, community, api.PostRequest{Title: "Cheap watches", Body: "spam"})
	must(t, err)
	_, err = n.Hide(bg, p, api.ModerationRequest{Reason: "advertising <b>"})
	must(t, err)
	_, _, body := s.get("/c/" + community.String() + "/about")
	if !strings.Contains(body, `id="moderation-log"`) || !strings.Contains(body, `<td data-label="Did">hid</td><td data-label="To"><span class="text">Cheap watches</span></td><td data-label="Reason"><span class="text">advertising &lt;b&gt;</span></td>`) {
		t.Errorf("the hide is not in the about page's log:\n%s", body)
	}
}

// TestThreadReplyPages (plain HTTP): a long thread shows its replies a
// page at a time, with links between pages; a bad page is refused.
func TestThreadReplyPages(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Long"})
	must(t, err)
	q, err := n.Post(bg, community, api.PostRequest{Type: "question", Title: "Roll call", Body: "Say hi"})
	must(t, err)
	var replies []protocol.ID
	for i := range 105 {
		r, err := n.Reply(bg, q, api.ReplyRequest{Body: fmt.Sprintf("hi %d", i)})
		must(t, err)
		replies = append(replies, r)
	}
	first := replies[0]
	_, err = n.Reply(bg, first, api.ReplyRequest{Body: "hi to the first"})
	must(t, err)
	s := newSession(t, n)
	path := "/t/" + q.String()
	_, _, body := s.get(path)
	if strings.Count(body, `<li id="r-`) != 100 || !strings.Contains(body, `href="`+path+`?from=100">Later replies`) || strings.Contains(body, "Earlier replies") ||
		!strings.Contains(body, "106 replies") {
		t.Errorf("first page: %d replies listed", strings.Count(body, `<li id="r-`))
	}
	_, _, body = s.get(path + "?from=100")
	if strings.Count(body, `<li id="r-`) != 6 || !strings.Contains(body, `href="`+path+`?from=0">Earlier replies`) || strings.Contains(body, "Later replies") {
		t.Errorf("last page: %d replies listed", strings.Count(body, `<li id="r-`))
	}
	// A reply to a reply on an earlier page still names whom it answers,
	// with a link to that page.
	if !strings.Contains(body, `in reply to <a href="`+path+`#r-`+first.String()) {
		t.Error("a reply to a reply on another page is not marked, or not linked to its page")
	}
	// Replying, accepting and editing a reply land on the page that holds
	// it, as does the accepted answer's link (they went to the first page).
	code, loc, _ := s.post(path+"/replies", s.base, url.Values{"body": {"late to the party"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, path+"?from=100#r-") {
		t.Errorf("a new reply: %d %q", code, loc)
	}
	late := replies[104]
	want := path + "?from=100#r-" + late.String()
	if code, loc, _ := s.post(path+"/accept", s.base, url.Values{"reply": {late.String()}}); code != http.StatusSeeOther || loc != want {
		t.Errorf("accepting a reply on the second page: %d %q, want %q", code, loc, want)
	}
	if code, loc, _ := s.post(path+"/edit", s.base, url.Values{"reply": {late.String()}, "body": {"hi 104, edited"}}); code != http.StatusSeeOther || loc != want {
		t.Errorf("editing a reply on the second page: %d %q, want %q", code, loc, want)
	}
	if _, _, body := s.get(path); !strings.Contains(body, `href="`+want+`">in the thread`) {
		i := strings.Index(body, "in the thread")
		t.Errorf("the accepted answer's link does not go to its page: %s", body[max(0, i-300):i+20])
	}
	// A page past the end (replies deleted since the link was made) is
	// the last one; its title says which replies it holds.
	if code, _, body := s.get(path + "?from=300"); code != http.StatusOK || strings.Count(body, `<li id="r-`) != 7 || !strings.Contains(body, "(replies from 101) · Kith</title>") {
		t.Errorf("from=300: %d, %d replies listed", code, strings.Count(body, `<li id="r-`))
	}
	for _, bad := range []string{"-1", "x"} {
		if code, _, _ := s.get(path + "?from=" + bad); code != http.StatusBadRequest {
			t.Errorf("from=%s: %d", bad, code)
		}
	}
}

// TestEditEmptiesText (plain HTTP): the post's edit form with its text
// emptied saves a version without text (it kept the old text, silently);
// a reply, which needs a body, cannot be emptied so.
func TestEditEmptiesText(t *testing.T) {
	bg := context.Background()
	n := startNode(t)
	community, err := n.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Edits"})
	must(t, err)
	post, err := n.Post(bg, community, api.PostRequest{Title: "Meeting moved", Body: "See the old plan below.", Tags: []string{"ops"}})
	must(t, err)
	s := newSession(t, n)
	code, loc, body := s.post("/t/"+post.String()+"/edit", s.base, url.Values{"title": {"Meeting moved"}, "body": {""}, "tags": {""}})
	if code != http.StatusSeeOther || loc != "/t/"+post.String() {
		t.Fatalf("edit: %d %q %s", code, loc, body)
	}
	th, err := n.Thread(bg, post)
	must(t, err)
	if th.Body != "" || len(th.Tags) != 0 || th.Edited == 0 {
		t.Errorf("after emptying the text and tags: body %q, tags %v, edited %d", th.Body, th.Tags, th.Edited)
	}
	reply, err := n.Reply(bg, post, api.ReplyRequest{Body: "Noted."})
	must(t, err)
	if _, err := n.Edit(bg, reply, api.EditRequest{Clear: []string{"body"}}); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("emptying a reply: %v", err)
	}
	// An edit that changes nothing writes no version (every node would
	// keep it, and pages mark the post "edited"); the form saved
	// unchanged just goes back.
	before, err := n.Thread(bg, post)
	must(t, err)
	if _, err := n.Edit(bg, post, api.EditRequest{Title: "Meeting moved"}); !api.IsAlready(err) {
		t.Errorf("the same title again: %v", err)
	}
	if _, err := n.Edit(bg, reply, api.EditRequest{Body: "Noted."}); !api.IsAlready(err) {
		t.Errorf("the same reply text again: %v", err)
	}
	if code, loc, _ := s.post("/t/"+post.String()+"/edit", s.base, url.Values{"title": {"Meeting moved"}, "body": {""}, "tags": {""}}); code != http.StatusSeeOther || loc != "/t/"+post.String() {
		t.Errorf("the edit form saved unchanged: %d %q", code, loc)
	}
	if after, err := n.Thread(bg, post); err != nil || after.Edited != before.Edited {
		t.Errorf("an edit that changes nothing made a version: edited %d, then %d (%v)", before.Edited, after.Edited, err)
	}
}

// TestThreadPageWeight bounds what a thread's page sends for each reply,
// in the heaviest case: another member's replies seen by a moderator who
// asked the question (reactions, accept and moderation on every reply).
// A page of 200 such replies was 650 KB and 8,900 elements, which took
// Chromium 1.6 s to load: each reply had three reaction forms and two
// moderation forms (35 elements). Now a page holds 100 replies of one
// reaction form and one moderation form each.
func TestThreadPageWeight(t *testing.T) {
	const perPage = 100 // the UI's repliesPerPage
	bg := context.Background()
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Busy"})
	q, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Roll call", Body: "Say hi"})
	must(t, err)
	eventually(t, "the question reaches b", func() bool { _, err := b.Thread(bg, q); return err == nil })
	for i := range perPage + 20 {
		_, err := b.Reply(bg, q, api.ReplyRequest{Body: fmt.Sprintf("hi %d", i)})
		must(t, err)
	}
	eventually(t, "the replies reach a", func() bool {
		th, err := a.Thread(bg, q)
		return err == nil && th.Thread.Replies == perPage+20
	})
	_, _, body := newSession(t, a).get("/t/" + q.String())
	start, end := strings.Index(body, `<ol class="replies">`), strings.LastIndex(body, `</ol>`)
	if start < 0 || end < start {
		t.Fatalf("no reply list in the page:\n%s", body)
	}
	list := body[start:end]
	shown := strings.Count(list, `<li id="r-`)
	// Start tags: "<" followed by a letter.
	elements := 0
	for i := 0; i+1 < len(list); i++ {
		if c := list[i+1]; list[i] == '<' && (c >= 'a' && c <= 'z') {
			elements++
		}
	}
	t.Logf("%d replies shown, %d elements in the list (%.1f a reply), page %d bytes", shown, elements, float64(elements)/float64(shown), len(body))
	if shown != perPage {
		t.Errorf("%d replies on the first page, want %d", shown, perPage)
	}
	for _, want := range []string{"Accept this answer", `value="helpful"`, "Hide from view"} {
		if strings.Count(list, want) != shown {
			t.Errorf("%q on %d of %d replies", want, strings.Count(list, want), shown)
		}
	}
	if elements > 24*shown {
		t.Errorf("%d elements for %d replies: more than 24 a reply", elements, shown)
	}
}

// TestFormSentTwice (plain HTTP): a form sent again (a reload, the back
// button, a second click without JavaScript) ends where the first one did,
// not on an error page, when what it asks for is so already; the API still
// says it did nothing.
func TestFormSentTwice(t *testing.T) {
	bg := context.Background()
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Twice"})
	q, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Mulch depth?", Body: "?"})
	must(t, err)
	eventually(t, "the question reaches b", func() bool { _, err := b.Thread(bg, q); return err == nil })
	answer, err := b.Reply(bg, q, api.ReplyRequest{Body: "5 cm."})
	must(t, err)
	spam, err := b.Reply(bg, q, api.ReplyRequest{Body: "Buy now"})
	must(t, err)
	gone, err := b.Reply(bg, q, api.ReplyRequest{Body: "Oops"})
	must(t, err)
	event, err := a.NewEvent(bg, community, api.EventRequest{Title: "Swap", Start: "2030-01-02T10:00:00Z"})
	must(t, err)
	eventually(t, "the replies reach a", func() bool {
		th, err := a.Thread(bg, q)
		return err == nil && th.Thread.Replies == 3
	})
	s := newSession(t, a)
	back := "/t/" + q.String()
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/r/" + answer.String() + "/react", url.Values{"reaction": {"helpful"}, "back": {back}}},
		{back + "/accept", url.Values{"reply": {answer.String()}}},
		{back + "/unaccept", url.Values{}},
		{"/r/" + spam.String() + "/hide", url.Values{"back": {back}}},
		{"/r/" + spam.String() + "/unhide", url.Values{"back": {back}}},
		{"/r/" + gone.String() + "/delete", url.Values{"back": {back}}},
		{"/e/" + event.String() + "/rsvp", url.Values{"answer": {"yes"}, "back": {"/e/" + event.String()}}},
	} {
		code1, loc1, body1 := s.post(f.path, s.base, f.form)
		code2, loc2, body2 := s.post(f.path, s.base, f.form)
		if code1 != http.StatusSeeOther || code2 != http.StatusSeeOther || loc2 != loc1 {
			t.Errorf("%s sent twice: %d %s, then %d %s\n%s\n%s", f.path, code1, loc1, code2, loc2, body1, body2)
		}
	}
	if th, err := a.Thread(bg, q); err != nil || th.Accepted != nil || th.Thread.Replies != 2 {
		t.Errorf("after the forms: accepted %v, %d replies, %v", th.Accepted, th.Thread.Replies, err)
	}
	// The API says a repeated action did nothing.
	if _, err := a.React(bg, answer, api.ReactRequest{Reaction: "helpful"}); !errors.Is(err, api.ErrBadRequest) || !api.IsAlready(err) {
		t.Errorf("a reaction given again through the API: %v", err)
	}
}

// TestThreadShowsMyReactions: a thread's page says which of its replies
// the member reacted to, the accepted answer too, and none other.
func TestThreadShowsMyReactions(t *testing.T) {
	bg := context.Background()
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Pressed"})
	q, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Which rootstock?", Body: "?"})
	must(t, err)
	eventually(t, "the question reaches b", func() bool { _, err := b.Thread(bg, q); return err == nil })
	var replies []protocol.ID
	for _, text := range []string{"M9.", "MM106.", "M26."} {
		r, err := b.Reply(bg, q, api.ReplyRequest{Body: text})
		must(t, err)
		replies = append(replies, r)
	}
	eventually(t, "the replies reach a", func() bool {
		th, err := a.Thread(bg, q)
		return err == nil && th.Thread.Replies == 3
	})
	helpful, err := a.React(bg, replies[0], api.ReactRequest{Reaction: "helpful"})
	must(t, err)
	applied, err := a.React(bg, replies[2], api.ReactRequest{Reaction: "applied"})
	must(t, err)
	_, err = a.Accept(bg, replies[2])
	must(t, err)
	th, err := a.Thread(bg, q)
	must(t, err)
	mine := map[protocol.ID]map[string]protocol.ID{}
	for _, m := range th.Replies {
		mine[m.ID] = m.Reactions.Mine
	}
	if got := mine[replies[0]]; len(got) != 1 || got["helpful"] != helpful {
		t.Errorf("the first reply's reactions by the member: %v, want helpful %s", got, helpful)
	}
	if got := mine[replies[1]]; len(got) != 0 {
		t.Errorf("the second reply's reactions by the member: %v, want none", got)
	}
	if th.AcceptedReply == nil || len(th.AcceptedReply.Reactions.Mine) != 1 || th.AcceptedReply.Reactions.Mine["applied"] != applied {
		t.Errorf("the accepted answer's reactions by the member: %+v", th.AcceptedReply)
	}
}
