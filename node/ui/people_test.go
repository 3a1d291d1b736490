package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// Helpers of the people and events tests.

// peopleProfileOn waits until n shows key's profile with name in community.
func peopleProfileOn(t *testing.T, n *node.Node, community protocol.ID, key protocol.PublicKey, name string) {
	t.Helper()
	eventually(t, "the profile of "+name, func() bool {
		ms, err := n.Members(context.Background(), community, "", 500)
		if err != nil {
			return false
		}
		for _, m := range ms.Items {
			if m.Key == key && m.Name == name {
				return true
			}
		}
		return false
	})
}

// TestPeopleProfileAndExperts: a member types their profile on the
// settings page and is told where it was published; the form shows it
// again; the directory lists them and the member from another node (whose
// profile came by replication) with organisation, expertise links and
// standing; a member's page shows the bio as Markdown and their threads;
// "who knows about tls" ranks the member whose answer was accepted in a
// thread tagged tls (made on two nodes) above one who only declared it,
// with the evidence in words, and that member's page lists the answer.
func TestPeopleProfileAndExperts(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Profile club", Domain: "testing people"})
	bg := context.Background()
	keyA, keyB := memberKey(t, a), memberKey(t, b)

	// b's profile, and an answer of b's that a accepts.
	_, err := b.SetProfile(bg, api.ProfileRequest{Name: "Bea Answerer", Org: "Relay Works", Expertise: []string{"dns"}, Bio: "I run resolvers."})
	must(t, err)
	post, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "How do we rotate TLS certificates?", Body: "By hand today.", Tags: []string{"tls"}})
	must(t, err)
	eventually(t, "a's question on b", func() bool { _, err := b.Thread(bg, post); return err == nil })
	reply, err := b.Reply(bg, post, api.ReplyRequest{Body: "Automate it with short-lived certificates."})
	must(t, err)
	eventually(t, "b's answer on a", func() bool {
		td, err := a.Thread(bg, post)
		return err == nil && len(td.Replies) == 1
	})
	_, err = a.Accept(bg, reply)
	must(t, err)
	peopleProfileOn(t, a, community, keyB, "Bea Answerer")

	base := uiBase(a)
	people := base + "/c/" + community.String() + "/people"
	login(t, ctx, a)

	// Settings: type the profile, publish, be told where.
	do(t, ctx, "open settings", chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(`form.people-profile-form`))
	do(t, ctx, "type the profile",
		chromedp.SendKeys(`input[name=name]`, "Ada Asker"),
		chromedp.SendKeys(`input[name=org]`, "Cert Office"),
		chromedp.SendKeys(`input[name=expertise]`, "TLS, certificates"),
		chromedp.SendKeys(`textarea[name=bio]`, "I look after **bold words** and [links](https://example.org/)."),
		chromedp.Submit(`input[name=name]`),
		chromedp.WaitVisible(`#published`))
	if got := text(t, ctx, `#published`); !strings.Contains(got, "published in 1 community") || !strings.Contains(got, "Profile club") {
		t.Errorf("after saving: %q", got)
	}
	do(t, ctx, "reload settings", chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(`form.people-profile-form`))
	for field, want := range map[string]string{`input[name=name]`: "Ada Asker", `input[name=org]`: "Cert Office",
		`input[name=expertise]`: "tls, certificates", `textarea[name=bio]`: "I look after **bold words** and [links](https://example.org/)."} {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		got, err := chromedp.Run(sctx, chromedp.Value(field))
		cancel()
		must(t, err)
		if got != want {
			t.Errorf("settings prefilled %s = %q, want %q", field, got, want)
		}
	}
	screenshot(t, ctx, "settings")

	// The directory.
	do(t, ctx, "open people", chromedp.Navigate(people), chromedp.WaitVisible(`#people`))
	list := text(t, ctx, `#people`)
	for _, want := range []string{"Ada Asker", "Cert Office", "tls", "certificates", "founder", "Bea Answerer", "Relay Works", "dns", "member"} {
		if !strings.Contains(list, want) {
			t.Errorf("directory lacks %q: %q", want, list)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#people a.tag[href$="/people?topic=tls"]').length`); n != 1 {
		t.Errorf("%d expertise links to ?topic=tls, want 1", n)
	}
	screenshot(t, ctx, "people")

	// Ada's page, reached from the directory.
	do(t, ctx, "open Ada's page", chromedp.Click(`#people a[href$="`+keyA.String()+`"]`), chromedp.WaitVisible(`article.people-profile`))
	if got := text(t, ctx, `article.people-profile h1`); !strings.Contains(got, "Ada Asker") {
		t.Errorf("person heading %q", got)
	}
	if got := text(t, ctx, `.people-bio strong`); got != "bold words" {
		t.Errorf("bio not rendered as Markdown: strong %q", got)
	}
	if got := text(t, ctx, `#person-threads`); !strings.Contains(got, "How do we rotate TLS certificates?") {
		t.Errorf("Ada's threads: %q", got)
	}
	if got := text(t, ctx, `.people-facts`); !strings.Contains(got, "Cert Office") || !strings.Contains(got, "founder") {
		t.Errorf("Ada's facts: %q", got)
	}
	screenshot(t, ctx, "person")

	// Who knows about tls: typed into the directory's search box.
	do(t, ctx, "ask who knows", chromedp.Navigate(people), chromedp.WaitVisible(`form.people-search`),
		chromedp.SendKeys(`input[name=topic]`, "TLS"), chromedp.Submit(`input[name=topic]`),
		chromedp.WaitVisible(`.people-experts-list`))
	first, second := text(t, ctx, `.people-experts-list li:nth-child(1)`), text(t, ctx, `.people-experts-list li:nth-child(2)`)
	if !strings.Contains(first, "Bea Answerer") || !strings.Contains(first, "1 accepted answer") {
		t.Errorf("first expert on tls: %q", first)
	}
	if !strings.Contains(second, "Ada Asker") || !strings.Contains(second, "declared expertise") {
		t.Errorf("second expert on tls: %q", second)
	}
	screenshot(t, ctx, "people-who-knows")

	// Bea's page lists the accepted answer, and no thread of hers.
	do(t, ctx, "open Bea's page", chromedp.Click(`.people-experts-list li:nth-child(1) a`), chromedp.WaitVisible(`#person-answers`))
	if got := text(t, ctx, `#person-answers`); !strings.Contains(got, "How do we rotate TLS certificates?") {
		t.Errorf("Bea's accepted answers: %q", got)
	}
	if href := eval[string](t, ctx, `document.querySelector("#person-answers a").getAttribute("href")`); href != "/t/"+post.String()+"#r-"+reply.String() {
		t.Errorf("answer link %q", href)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#person-threads").length`); n != 0 {
		t.Errorf("Bea started no thread, yet a list of %d is shown", n)
	}
}

// TestPeopleBadInput: a bad or unknown key, community or topic, and a
// profile from a node in no community, give error pages or messages with
// their reason; a profile form from another origin is refused.
func TestPeopleBadInput(t *testing.T) {
	a := startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Strict"})
	must(t, err)
	s := newSession(t, a)
	c := "/c/" + community.String()
	unknown := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{c + "/people/not-a-key", http.StatusNotFound, "member key"},
		{c + "/people/" + unknown, http.StatusNotFound, "is not a member of Strict"},
		{"/c/zzz/people", http.StatusNotFound, "is not an id"},
		{"/c/" + unknown + "/people", http.StatusNotFound, "Not Found"},
		{"/c/" + unknown + "/people/" + unknown, http.StatusNotFound, "Not Found"},
		{c + "/people?cursor=bogus", http.StatusBadRequest, "cursor"},
		{c + "/people?topic=%21%21%21", http.StatusOK, "is not a topic"},
		{c + "/people?topic=nobody-knows", http.StatusOK, "Nobody has shown knowing about nobody-knows"},
		{c + "/people/" + memberKey(t, a).String() + "?threads=bogus", http.StatusBadRequest, "cursor"},
	} {
		code, _, body := s.get(tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want %d with %q: %.300s", tc.path, code, tc.code, tc.want, body)
		}
	}
	if code, _, body := s.post("/settings/profile", "http://evil.example", url.Values{"name": {"Forged"}}); code != http.StatusForbidden {
		t.Errorf("profile from another origin: %d %.200s", code, body)
	}
	if code, _, body := s.post("/settings/profile", s.base, url.Values{"name": {strings.Repeat("n", 101)}}); code != http.StatusBadRequest || !strings.Contains(body, "limit") {
		t.Errorf("a name too long: %d %.300s", code, body)
	}
	lonerNode := startNode(t)
	loner := newSession(t, lonerNode)
	code, _, body := loner.get("/settings")
	if code != http.StatusOK || !strings.Contains(body, "You have not published one yet") {
		t.Errorf("settings with no profile: %d %.300s", code, body)
	}
	// A newcomer's profile, set before any community, is kept and goes
	// into the first one.
	if code, loc, body := loner.post("/settings/profile", loner.base, url.Values{"name": {"Alone"}, "org": {"Acme"}}); code != http.StatusSeeOther || loc != "/settings?kept=1" {
		t.Errorf("profile of a member of no community: %d %q %.300s", code, loc, body)
	}
	if code, _, body := loner.get("/settings?kept=1"); code != http.StatusOK || !strings.Contains(body, `id="kept"`) || !strings.Contains(body, `value="Alone"`) {
		t.Errorf("settings after keeping the profile: %d %.300s", code, body)
	}
	first, err := lonerNode.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Mine"})
	must(t, err)
	if ms, err := lonerNode.Members(bg, first, "", 10); err != nil || len(ms.Items) != 1 || ms.Items[0].Name != "Alone" || ms.Items[0].Org != "Acme" {
		t.Errorf("the first community's members: %+v %v", ms.Items, err)
	}
	// The name was never published: the GETs changed nothing either.
	ms, err := a.Members(bg, community, "", 10)
	must(t, err)
	if len(ms.Items) != 1 || ms.Items[0].Name != "" {
		t.Errorf("members after refused forms: %+v", ms.Items)
	}
}

// TestThreadsByPersonAPI: the local API, and the client the kith command
// uses, list the threads a member started (?author=) and those whose
// accepted answer they wrote (?answered_by=); a bad key is refused.
func TestThreadsByPersonAPI(t *testing.T) {
	dir := t.TempDir()
	a, err := node.Start(context.Background(), node.Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	t.Cleanup(func() { a.Close() })
	token, err := os.ReadFile(filepath.Join(dir, home.APITokenFile))
	must(t, err)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "API"})
	must(t, err)
	q, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Answered by myself"})
	must(t, err)
	time.Sleep(5 * time.Millisecond) // newest first: not in the same millisecond
	_, err = a.Post(bg, community, api.PostRequest{Title: "Just talk"})
	must(t, err)
	r, err := a.Reply(bg, q, api.ReplyRequest{Body: "Found it."})
	must(t, err)
	_, err = a.Accept(bg, r)
	must(t, err)
	key := memberKey(t, a).String()
	other := strings.Repeat("cd", 32)
	list := func(query string) (int, []string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(a.APIURL(), "/")+"/api/communities/"+community.String()+"/posts?"+query, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		var ts api.Threads
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, nil
		}
		must(t, json.NewDecoder(resp.Body).Decode(&ts))
		var titles []string
		for _, th := range ts.Items {
			titles = append(titles, th.Title)
		}
		return resp.StatusCode, titles
	}
	// Through the kith command's client.
	cl, err := client.New(home.Home{Dir: dir})
	must(t, err)
	for _, tc := range []struct {
		q    api.ThreadQuery
		want string
	}{
		{api.ThreadQuery{Limit: 10, Author: memberKey(t, a)}, "Just talk|Answered by myself"},
		{api.ThreadQuery{Limit: 10, AnsweredBy: memberKey(t, a)}, "Answered by myself"},
		{api.ThreadQuery{Limit: 10, AnsweredBy: memberKey(t, a), Type: "discussion"}, ""},
	} {
		ts, err := cl.Threads(bg, community, tc.q)
		must(t, err)
		var titles []string
		for _, th := range ts.Items {
			titles = append(titles, th.Title)
		}
		if strings.Join(titles, "|") != tc.want {
			t.Errorf("client %+v: %q, want %q", tc.q, titles, tc.want)
		}
	}
	// Over plain HTTP, with bad keys too.
	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{"author=" + key, http.StatusOK, "Just talk|Answered by myself"},
		{"answered_by=" + key, http.StatusOK, "Answered by myself"},
		{"author=" + other, http.StatusOK, ""},
		{"answered_by=" + other, http.StatusOK, ""},
		{"author=" + key + "&type=discussion", http.StatusOK, "Just talk"},
		{"author=nope", http.StatusBadRequest, ""},
		{"answered_by=12", http.StatusBadRequest, ""},
	} {
		code, titles := list(tc.query)
		if code != tc.code || strings.Join(titles, "|") != tc.want {
			t.Errorf("?%s: %d %q, want %d %q", tc.query, code, titles, tc.code, tc.want)
		}
	}
}
