package ui_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Browser and plain-HTTP tests of the moderation, invite and network
// pages (the network page's words are table-tested in network_test.go).

// admPoll waits up to 20 seconds for a JavaScript expression to be true
// on the page, through the navigations a form makes.
func admPoll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: not so after 20 s (%v)\npage: %s", what, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// admClick clicks an element of a page that may still be loading: the
// click is tried again while the element is replaced under it.
func admClick(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	var err error
	for range 10 {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

// admText is the text of the first element matching a CSS selector, ""
// if there is none; tried again while the page is being replaced.
func admText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var err error
	for range 20 {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var s string
		s, err = chromedp.Run(sctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); return e === null ? "" : e.innerText; })()`))
		cancel()
		if err == nil {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("text of %s: %v", sel, err)
	return ""
}

// admMember is what n knows of a member of a community.
func admMember(n *node.Node, community protocol.ID, key protocol.PublicKey) (api.Member, bool) {
	ms, err := n.Members(context.Background(), community, "", 500)
	if err != nil {
		return api.Member{}, false
	}
	for _, m := range ms.Items {
		if m.Key == key {
			return m, true
		}
	}
	return api.Member{}, false
}

// admStanding is n's own standing in a community.
func admStanding(n *node.Node, community protocol.ID) string {
	cs, _ := n.Communities(context.Background())
	for _, c := range cs {
		if c.ID == community {
			return c.Standing
		}
	}
	return ""
}

// TestAdminInvitesAndRoles: a founder opens Moderation, creates an invite,
// sees its code and copies it with the Copy button (by keyboard); two
// nodes join with the code; the founder makes one a moderator with the
// form (the page, and the new moderator's own node, say "moderator") and
// removes the other; an invite revoked by its id, and another revoked from
// its own page, admit no one afterwards.
func TestAdminInvitesAndRoles(t *testing.T) {
	ctx := browser(t)
	a, b, c, d := startNode(t), startNode(t), startNode(t), startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Moderated club", InviteOnly: true})
	must(t, err)
	base := strings.TrimSuffix(a.APIURL(), "/")
	adminURL := base + "/c/" + community.String() + "/admin"
	login(t, ctx, a)

	// Create an invite for three people with the form.
	do(t, ctx, "open moderation", chromedp.Navigate(adminURL), chromedp.WaitVisible(chromedp.CSS(`#members`)))
	if got := admText(t, ctx, `#members`); !strings.Contains(got, "founder") || !strings.Contains(got, "you") {
		t.Errorf("members: %q", got)
	}
	do(t, ctx, "create an invite",
		chromedp.SetValue(chromedp.CSS(`#uses`), "3"),
		chromedp.SetValue(chromedp.CSS(`#expires`), "24h"),
		chromedp.Click(chromedp.CSS(`form.adm-invite button`)),
		chromedp.WaitVisible(chromedp.CSS(`#invite-code`)))
	code := eval[string](t, ctx, `document.getElementById("invite-code").value`)
	inviteID := eval[string](t, ctx, `document.getElementById("invite-id").textContent`)
	if !strings.HasPrefix(code, "kith:") || len(inviteID) != 64 {
		t.Fatalf("invite page: code %q, id %q", code, inviteID)
	}
	if ro := eval[bool](t, ctx, `document.getElementById("invite-code").readOnly`); !ro {
		t.Error("the code's field is not read-only")
	}

	// Copy, by keyboard: focus the button, press Enter.
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base})
	must(t, err)
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-write"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base})
	must(t, err)
	do(t, ctx, "copy by keyboard",
		chromedp.WaitVisible(chromedp.CSS(`button.adm-copy`)),
		chromedp.Focus(chromedp.CSS(`button.adm-copy`)),
		chromedp.KeyEvent("\r"))
	admPoll(t, ctx, "the Copy button answers", `document.getElementById("copy-status").textContent !== ""`)
	status := admText(t, ctx, `#copy-status`)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	clip, clipErr := chromedp.Run(sctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	cancel()
	selected := eval[bool](t, ctx, `(() => { const f = document.getElementById("invite-code"); return f.selectionStart === 0 && f.selectionEnd === f.value.length; })()`)
	switch {
	case clipErr == nil && clip == code && status == "Copied.":
		t.Log("Copy put the code in the clipboard")
	case selected && strings.Contains(status, "Ctrl+C"):
		t.Logf("this browser refuses to copy (%v): the code is selected for Ctrl+C", clipErr)
	default:
		t.Errorf("Copy: status %q, clipboard %q (%v), selected %v", status, clip, clipErr, selected)
	}
	screenshot(t, ctx, "invite")

	// Two nodes join with the code, and name themselves.
	bKey, cKey := memberKey(t, b), memberKey(t, c)
	for _, n := range []*node.Node{b, c} {
		if _, err := n.Join(bg, code); err != nil {
			t.Fatalf("join with the invite: %v", err)
		}
	}
	_, err = b.SetProfile(bg, api.ProfileRequest{Name: "Bea Moderator-to-be", Org: "Kith tests"})
	must(t, err)
	_, err = c.SetProfile(bg, api.ProfileRequest{Name: "Cy Soon-removed"})
	must(t, err)
	eventually(t, "the founder's node has both profiles", func() bool {
		mb, okb := admMember(a, community, bKey)
		mc, okc := admMember(a, community, cKey)
		return okb && okc && mb.Name != "" && mc.Name != ""
	})

	// Make b a moderator with the form.
	row := func(k protocol.PublicKey) string { return `li[data-key="` + k.String() + `"]` }
	standing := func(k protocol.PublicKey, want string) string {
		return `(() => { const s = document.querySelector('` + row(k) + ` .adm-standing'); return s !== null && s.textContent === "` + want + `"; })()`
	}
	do(t, ctx, "reload moderation", chromedp.Navigate(adminURL), chromedp.WaitVisible(chromedp.CSS(row(bKey))))
	if got := admText(t, ctx, row(bKey)); !strings.Contains(got, "Bea Moderator-to-be") || !strings.Contains(got, "member") {
		t.Errorf("b's row: %q", got)
	}
	do(t, ctx, "make b a moderator",
		chromedp.SendKeys(chromedp.CSS(row(bKey)+` input[name=reason]`), "helps a lot"),
		chromedp.Click(chromedp.CSS(row(bKey)+` button[value=moderator]`)))
	admPoll(t, ctx, "b shows as moderator", standing(bKey, "moderator"))
	if done := admText(t, ctx, `.done`); !strings.Contains(done, "moderator now") {
		t.Errorf("confirmation: %q", done)
	}
	eventually(t, "b's own node says b is a moderator (the role record replicated)", func() bool {
		return admStanding(b, community) == "moderator"
	})

	// Enter in a reason field takes no action by accident.
	do(t, ctx, "press Enter in c's reason field",
		chromedp.SendKeys(chromedp.CSS(row(cKey)+` input[name=reason]`), "spam\r"),
		chromedp.Sleep(500*time.Millisecond))
	if m, _ := admMember(a, community, cKey); m.Standing != "member" {
		t.Errorf("Enter in the reason field made c %s", m.Standing)
	}

	// Remove c.
	do(t, ctx, "give a reason for removing c", chromedp.SetValue(chromedp.CSS(row(cKey)+` input[name=reason]`), "spam, twice"))
	admClick(t, ctx, "remove c", row(cKey)+` button[value=remove]`)
	admPoll(t, ctx, "the removal asks first", `document.getElementById("confirm-remove") !== null`)
	if got := admText(t, ctx, `#confirm-remove`); !strings.Contains(got, "Remove Cy Soon-removed from") || !strings.Contains(got, "“spam, twice”") {
		t.Errorf("the removal's confirmation: %q", got)
	}
	if m, _ := admMember(a, community, cKey); m.Standing != "member" {
		t.Errorf("the Remove button removed c before the confirmation: %s", m.Standing)
	}
	admClick(t, ctx, "confirm the removal", `#confirm-remove button`)
	admPoll(t, ctx, "c shows as removed", standing(cKey, "removed"))
	if got := admText(t, ctx, row(cKey)); !strings.Contains(got, "Admit again") {
		t.Errorf("a removed member's row offers no admit: %q", got)
	}
	screenshot(t, ctx, "admin")

	// Revoke the invite by its id: a confirmation, then the form.
	do(t, ctx, "look the invite up",
		chromedp.SendKeys(chromedp.CSS(`#invite`), inviteID),
		chromedp.Submit(chromedp.CSS(`#invite`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-revoke`)))
	admClick(t, ctx, "revoke it", `#confirm-revoke button`)
	admPoll(t, ctx, "revoked", `document.querySelector(".done") !== null && document.querySelector(".done").textContent.includes("invite is revoked")`)
	if _, err := d.Join(bg, code); err == nil {
		t.Error("a join with a revoked invite (one use left) succeeded")
	} else {
		t.Logf("join with the revoked invite: %v", err)
	}

	// Another invite, revoked from its own page.
	admClick(t, ctx, "create a second invite", `form.adm-invite button`)
	admPoll(t, ctx, "the second invite's page", `document.getElementById("invite-code") !== null && document.getElementById("invite-code").value !== "`+code+`"`)
	code2 := eval[string](t, ctx, `document.getElementById("invite-code").value`)
	admClick(t, ctx, "revoke it from its page", `form.adm-revoke button`)
	admPoll(t, ctx, "revoked from its page", `document.querySelector(".done") !== null && document.querySelector(".done").textContent.includes("invite is revoked")`)
	if _, err := d.Join(bg, code2); err == nil {
		t.Error("a join with the invite revoked from its page succeeded")
	}
	if s := admStanding(a, community); s != "founder" {
		t.Errorf("founder's standing: %q", s)
	}
	if m, ok := admMember(a, community, memberKey(t, d)); ok && m.Standing != "none" {
		t.Errorf("d, who joined with revoked invites, is %s", m.Standing)
	}
}

// TestAdminHostileNames: members' profiles written to attack the page
// (script, img onerror, svg onload, javascript: links) show as inert text
// on the moderation page: nothing runs, no such element exists.
func TestAdminHostileNames(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Hostile names"})
	name := `<script>window.kithPwned=1</script><img src=x onerror="window.kithPwned=2">`
	org := `<svg onload="window.kithPwned=3"></svg><a href="javascript:window.kithPwned=4">click</a>`
	bio := `<iframe src="javascript:parent.kithPwned=5"></iframe>`
	_, err := b.SetProfile(bg, api.ProfileRequest{Name: name, Org: org, Bio: bio})
	must(t, err)
	bKey := memberKey(t, b)
	eventually(t, "a has b's profile", func() bool {
		m, ok := admMember(a, community, bKey)
		return ok && m.Name == name
	})
	login(t, ctx, a)
	do(t, ctx, "open moderation", chromedp.Navigate(a.APIURL()+"/c/"+community.String()+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`li[data-key="`+bKey.String()+`"]`)))
	row := admText(t, ctx, `li[data-key="`+bKey.String()+`"]`)
	if !strings.Contains(row, name) || !strings.Contains(row, org) {
		t.Errorf("b's row does not show the name and organisation as text: %q", row)
	}
	elements := eval[int](t, ctx, `document.querySelectorAll("main script, main img, main svg, main iframe, main [onerror], main [onload], a[href^='javascript:' i]").length`)
	pwned := eval[bool](t, ctx, `window.kithPwned !== undefined`)
	title := eval[string](t, ctx, `document.title`)
	if elements != 0 || pwned || !strings.HasPrefix(title, "Moderation") {
		t.Errorf("hostile profile: %d dangerous elements, script ran %v, title %q", elements, pwned, title)
	}
}

// admLogin is a session of n's UI that also checks that no answer to a
// form that shows an invite code may be cached.
func admLogin(t *testing.T, n *node.Node) *session {
	t.Helper()
	s := newSession(t, n)
	s.check = func(req *http.Request, resp *http.Response, body string) {
		if cc := resp.Header.Get("Cache-Control"); req.Method == http.MethodPost && strings.Contains(body, "kith:") && cc != "no-store" {
			t.Errorf("a page with an invite code may be cached: Cache-Control %q", cc)
		}
	}
	return s
}

// TestInviteRefusals (plain HTTP): the invite form, which renders its
// answer instead of redirecting, refuses a foreign Origin or none, like
// every form; a member who is not a moderator is told the page is for
// moderators and whom to ask; bad ids and keys give error pages; the
// delete and hide forms go back where they came from, only on this site;
// the moderation page lists what is hidden and shows it again, for a
// moderator only.
func TestInviteRefusals(t *testing.T) {
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Refusing club", InviteOnly: true})
	must(t, err)
	_, err = a.SetProfile(bg, api.ProfileRequest{Name: "Ada Founder"})
	must(t, err)
	ua := admLogin(t, a)
	cpath := "/c/" + community.String()
	origin := ua.base

	host := strings.TrimPrefix(origin, "http://")
	for _, o := range []string{"http://evil.example", "null", "", "https://" + host, "http://evil@" + host, origin + "/x", origin + "/"} {
		if st, _, body := ua.post(cpath+"/invites", o, url.Values{"uses": {"1"}}); st != http.StatusForbidden || strings.Contains(body, "kith:") {
			t.Errorf("invite form from Origin %q: %d", o, st)
		}
	}
	st, _, body := ua.post(cpath+"/invites", origin, url.Values{"uses": {"2"}, "expires": {"24h"}})
	if st != http.StatusOK || !strings.Contains(body, "kith:") || !strings.Contains(body, `id="invite-id"`) {
		t.Fatalf("invite form from the UI: %d %s", st, body)
	}
	code := body[strings.Index(body, "kith:"):]
	code = code[:strings.Index(code, "<")]
	// The moderation page lists it, open, with the way to revoke it.
	invites, err := a.Invites(bg, community)
	must(t, err)
	if len(invites) != 1 {
		t.Fatalf("invites: %+v", invites)
	}
	st, _, adminPage := ua.get(cpath + "/admin")
	if st != http.StatusOK || !strings.Contains(adminPage, `id="i-`+invites[0].ID.String()+`"`) ||
		!strings.Contains(adminPage, "0 of 2") || !strings.Contains(adminPage, "?invite="+invites[0].ID.String()) {
		t.Errorf("the moderation page does not list the invite: %d", st)
	}
	// The form sent again (a reload of its answer) shows the invite it
	// made, and makes no other.
	once := adminPage[strings.Index(adminPage, `name="once" value="`)+len(`name="once" value="`):]
	once = once[:strings.Index(once, `"`)]
	first, again := "", ""
	for i, into := range []*string{&first, &again} {
		st, _, body := ua.post(cpath+"/invites", origin, url.Values{"uses": {"1"}, "once": {once}})
		if st != http.StatusOK || !strings.Contains(body, "kith:") || (i == 1) != strings.Contains(body, "sent again") {
			t.Fatalf("invite form sent (time %d): %d %s", i+1, st, body)
		}
		*into = body[strings.Index(body, "kith:"):]
		*into = (*into)[:strings.Index(*into, "<")]
	}
	if invites, err := a.Invites(bg, community); err != nil || len(invites) != 2 || first != again {
		t.Errorf("the invite form sent twice: %d invites (want 2), the same code shown: %v", len(invites), first == again)
	}
	// The same form changed (Back, then another number of uses) is another
	// invite, not the first one shown again.
	if st, _, body := ua.post(cpath+"/invites", origin, url.Values{"uses": {"3"}, "once": {once}}); st != http.StatusOK || strings.Contains(body, "sent again") || strings.Contains(body, first) {
		t.Errorf("the form sent again with other uses: %d, shown again: %v", st, strings.Contains(body, "sent again"))
	}
	if invites, err := a.Invites(bg, community); err != nil || len(invites) != 3 {
		t.Errorf("after the changed form: %d invites, want 3", len(invites))
	}
	for _, bad := range []url.Values{{"uses": {"0"}}, {"uses": {"many"}}, {"uses": {"-1"}}, {"expires": {"forever"}}, {"expires": {"-5h"}}} {
		if st, _, body := ua.post(cpath+"/invites", origin, bad); st != http.StatusBadRequest || strings.Contains(body, "kith:") {
			t.Errorf("invite form %v: %d", bad, st)
		}
	}

	// A member who does not moderate.
	_, err = b.Join(bg, code)
	must(t, err)
	eventually(t, "b has a's profile", func() bool {
		m, ok := admMember(b, community, memberKey(t, a))
		return ok && m.Name == "Ada Founder"
	})
	ub := admLogin(t, b)
	st, _, body = ub.get(cpath + "/admin")
	if st != http.StatusOK || !strings.Contains(body, "Only moderators can use this page") || !strings.Contains(body, "Ada Founder") ||
		strings.Contains(body, `action="`+cpath+`/roles"`) {
		t.Errorf("a member's moderation page: %d %s", st, body)
	}
	if st, _, _ := ub.post(cpath+"/invites", ub.base, url.Values{}); st != http.StatusForbidden {
		t.Errorf("a member's invite to an invite-only community: %d", st)
	}
	if st, _, _ := ub.post(cpath+"/roles", ub.base, url.Values{"member": {memberKey(t, b).String()}, "action": {"moderator"}}); st != http.StatusForbidden {
		t.Errorf("a member making themself moderator: %d", st)
	}

	// Bad ids and keys: error pages, never a panic.
	other := protocol.ID{1, 2, 3}
	_, key, err := crypto.GenerateEd25519Key(rand.Reader)
	must(t, err)
	nobody, err := peer.IDFromPublicKey(key) // a node that is nowhere
	must(t, err)
	for _, tc := range []struct {
		method, path string
		form         url.Values
		want         int
	}{
		{"GET", "/c/nothex/admin", nil, http.StatusNotFound},
		{"GET", "/c/" + other.String() + "/admin", nil, http.StatusNotFound},
		{"GET", cpath + "/admin?cursor=garbage", nil, http.StatusBadRequest},
		{"POST", "/c/nothex/invites", url.Values{}, http.StatusNotFound},
		{"POST", "/c/" + other.String() + "/invites", url.Values{}, http.StatusNotFound},
		{"POST", cpath + "/invites/nothex/revoke", url.Values{}, http.StatusNotFound},
		{"POST", cpath + "/invites/" + other.String() + "/revoke", url.Values{}, http.StatusNotFound},
		{"POST", cpath + "/roles", url.Values{"member": {"x<script>"}, "action": {"remove"}}, http.StatusBadRequest},
		{"POST", cpath + "/roles", url.Values{"member": {memberKey(t, b).String()}, "action": {"crown"}}, http.StatusBadRequest},
		{"POST", cpath + "/roles", url.Values{"member": {memberKey(t, a).String()}, "action": {"remove"}}, http.StatusForbidden}, // the founder
		{"POST", "/r/nothex/delete", url.Values{}, http.StatusNotFound},
		{"POST", "/r/" + other.String() + "/hide", url.Values{}, http.StatusNotFound},
		{"POST", "/r/" + other.String() + "/unhide", url.Values{}, http.StatusNotFound},
		{"POST", "/c/nothex/sync", url.Values{}, http.StatusNotFound},
		{"POST", "/c/" + other.String() + "/sync", url.Values{}, http.StatusNotFound},
		{"POST", "/network/peers", url.Values{"address": {"not an address"}}, http.StatusBadRequest},
		{"POST", "/network/peers", url.Values{"address": {""}}, http.StatusBadRequest},
		{"POST", "/network/peers", url.Values{"address": {"/ip4/127.0.0.1/tcp/1/p2p/" + nobody.String()}}, http.StatusNotFound},
		{"GET", cpath + "/invites", nil, http.StatusMethodNotAllowed}, // GET changes nothing
		{"GET", "/network/peers", nil, http.StatusMethodNotAllowed},
		{"POST", cpath + "/about", url.Values{}, http.StatusMethodNotAllowed}, // a page takes no form
		{"GET", "/nonexistent", nil, http.StatusNotFound},
		{"GET", cpath + "/nope", nil, http.StatusNotFound},
		// An id of another kind of record in a page's address leads to its
		// page (TestIDOfAnotherPage); no member key is no such page (it
		// was a bad request).
		{"GET", "/t/" + community.String(), nil, http.StatusSeeOther},
		{"GET", "/n/" + community.String(), nil, http.StatusSeeOther},
		{"GET", "/e/" + community.String(), nil, http.StatusSeeOther},
		{"GET", cpath + "/people/xyz", nil, http.StatusNotFound},
	} {
		var st int
		var body string
		if tc.method == "GET" {
			st, _, body = ua.get(tc.path)
		} else {
			st, _, body = ua.post(tc.path, origin, tc.form)
		}
		// Every error is a page of the UI, with its navigation, whose
		// message does not repeat its title ("Not Found / not found: ...").
		if st != tc.want || (st >= 400 && (!strings.Contains(body, "<h1>") || !strings.Contains(body, `href="/network"`) ||
			strings.Contains(strings.ToLower(body), `<p class="error">`+strings.ToLower(http.StatusText(st))))) {
			t.Errorf("%s %s %v: %d (want %d) %.300s", tc.method, tc.path, tc.form, st, tc.want, body)
		}
		if strings.Contains(body, "<script>") && !strings.Contains(body, `<script src=`) {
			t.Errorf("%s %s: unescaped markup in the answer", tc.method, tc.path)
		}
	}
	// Every form of these pages checks Origin.
	for _, path := range []string{cpath + "/roles", cpath + "/invites/" + other.String() + "/revoke", "/r/" + other.String() + "/delete",
		"/r/" + other.String() + "/hide", "/r/" + other.String() + "/unhide", "/network/peers", cpath + "/sync"} {
		if st, _, _ := ua.post(path, "http://evil.example", url.Values{}); st != http.StatusForbidden {
			t.Errorf("%s from another origin: %d", path, st)
		}
	}

	// Hide and delete go back to the page they were sent from, only on
	// this site; a member may not hide others' records.
	post, err := a.Post(bg, community, api.PostRequest{Title: "To hide", Body: "text"})
	must(t, err)
	reply, err := a.Reply(bg, post, api.ReplyRequest{Body: "to delete"})
	must(t, err)
	back := "/t/" + post.String()
	// The thread page sends a reply's deletion back to the thread, and
	// the post's to the community's threads (the thread's page is gone).
	_, _, page := ua.get(back)
	for target, want := range map[protocol.ID]string{reply: back, post: "/c/" + community.String()} {
		form := `<form method="post" action="/r/` + target.String() + `/delete">` + "\n" + `<input type="hidden" name="back" value="` + want + `">`
		if !strings.Contains(page, form) {
			t.Errorf("the thread page's delete form for %s does not return to %s", target, want)
		}
	}
	if !strings.Contains(page, `name="say" value="deleted">Delete for everyone</button>`) || !strings.Contains(page, `name="say" value="hidden">Hide from view</button>`) {
		t.Error("the moderation form's buttons do not ask the page after them to say what was done")
	}
	if st, loc, body := ua.post("/r/"+reply.String()+"/delete", origin, url.Values{"reason": {"off\ntopic"}, "back": {back}, "say": {"deleted"}}); st != http.StatusSeeOther || loc != back+"?done=deleted" {
		t.Errorf("delete: %d %s %s", st, loc, body)
	} else if _, _, page := ua.get(loc); !strings.Contains(page, `<p class="done" role="status">Done: deleted.`) {
		t.Errorf("the thread after the deletion says nothing of it")
	}
	th, err := a.Thread(bg, post)
	must(t, err)
	for _, r := range th.Replies {
		if r.ID == reply && (!r.Deleted || r.Body != "") {
			t.Errorf("the reply is not deleted: %+v", r)
		}
	}
	eventually(t, "b has the post", func() bool { _, err := b.Thread(bg, post); return err == nil })
	// Only its author gets the edit form (others were refused only once
	// they had typed).
	if st, _, body := ub.get("/t/" + post.String() + "/edit"); st != http.StatusForbidden || !strings.Contains(body, "only its author") {
		t.Errorf("b opens a's edit form: %d", st)
	}
	if st, _, _ := ua.get("/t/" + post.String() + "/edit"); st != http.StatusOK {
		t.Errorf("a opens their own edit form: %d", st)
	}
	if st, _, _ := ub.post("/r/"+post.String()+"/hide", ub.base, url.Values{"back": {back}}); st != http.StatusForbidden {
		t.Errorf("a member hiding a post: %d", st)
	}
	if st, loc, body := ua.post("/r/"+post.String()+"/hide", origin, url.Values{"reason": {"spam"}, "back": {"//evil.example/x"}, "say": {"hidden"}}); st != http.StatusSeeOther || loc != "/?done=hidden" {
		t.Errorf("hide with a foreign back: %d %s %s", st, loc, body)
	}
	if _, err := a.Thread(bg, post); err == nil {
		t.Error("the hidden post is still shown")
	}

	// The moderation page lists what is hidden, with its text to read,
	// and shows it again; the thread's page tells the moderator so.
	if st, _, body := ua.get(cpath + "/admin"); st != http.StatusOK || !strings.Contains(body, `data-id="`+post.String()+`"`) ||
		!strings.Contains(body, "To hide") || !strings.Contains(body, "“spam”") || !strings.Contains(body, `<summary>Read it</summary><pre class="as-text">text</pre>`) {
		t.Errorf("the moderation page does not list the hidden post with its text: %d", st)
	}
	if st, _, body := ua.get("/t/" + post.String()); st != http.StatusNotFound || !strings.Contains(body, "you moderate: the community&#39;s Moderation page shows it under Hidden") {
		t.Errorf("a moderator opening the hidden post: %d %s", st, body)
	}
	eventually(t, "b has the hide", func() bool { _, err := b.Thread(bg, post); return err != nil })
	// Its text goes to moderators only: hiding takes it out of the
	// others' view.
	for n, want := range map[*node.Node]string{a: "text", b: ""} {
		if h, err := n.Hidden(bg, community, "", 10); err != nil || len(h.Items) != 1 || h.Items[0].Text != want {
			t.Errorf("the hidden list's text: %+v %v, want %q", h.Items, err, want)
		}
	}
	if st, _, _ := ub.post("/r/"+post.String()+"/unhide", ub.base, url.Values{}); st != http.StatusForbidden {
		t.Errorf("a member showing a hidden post: %d", st)
	}
	shown := cpath + "/admin?done=unhidden#hidden"
	if st, loc, body := ua.post("/r/"+post.String()+"/unhide", origin, url.Values{"reason": {"fine after all"}, "back": {shown}}); st != http.StatusSeeOther || loc != shown {
		t.Errorf("unhide: %d %s %s", st, loc, body)
	}
	if _, err := a.Thread(bg, post); err != nil {
		t.Errorf("the post is not shown again: %v", err)
	}
	if st, _, body := ua.get(shown); st != http.StatusOK || !strings.Contains(body, "Done: shown again") || !strings.Contains(body, "Nothing is hidden.") {
		t.Errorf("the moderation page after showing the post again: %d", st)
	}
	// Sent again (a reload): taken as done, as the first was (api.Already).
	if st, loc, _ := ua.post("/r/"+post.String()+"/unhide", origin, url.Values{"back": {shown}}); st != http.StatusSeeOther || loc != shown {
		t.Errorf("showing a shown post again: %d %s", st, loc)
	}
}

// TestNetworkPage: the network page shows this node, and for a community
// no member of which is connected, why it does not sync, in words;
// connecting to another node's address with the form shows it connected;
// once that node joins one of the communities, it says "Up to date"; Sync
// now answers.
func TestNetworkPage(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	lonely, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Lonely <b>club</b>"})
	must(t, err)
	shared, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Shared club"})
	must(t, err)
	netURL := strings.TrimSuffix(a.APIURL(), "/") + "/network"
	state := func(c protocol.ID) string { return admText(t, ctx, `#c-`+c.String()) }

	login(t, ctx, a)
	do(t, ctx, "open the network page", chromedp.Navigate(netURL), chromedp.WaitVisible(chromedp.CSS(`#c-`+lonely.String())))
	if got := admText(t, ctx, `.net-node`); !strings.Contains(got, a.PeerID().String()) || !strings.Contains(got, a.Addrs()[0]) {
		t.Errorf("this node: %q", got)
	}
	if got := state(lonely); !strings.Contains(got, "Only you so far: you are its only member") {
		t.Errorf("a community of one member, no peer: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("main b").length`); n != 0 {
		t.Errorf("a community name made %d elements", n)
	}

	// Sync now, with nobody to sync with.
	admClick(t, ctx, "sync now", `#c-`+lonely.String()+` .net-sync-now button`)
	admPoll(t, ctx, "sync now answers", `document.querySelector(".net-notice") !== null`)
	if got := state(lonely); !strings.Contains(got, "Nobody to sync with") {
		t.Errorf("sync now without peers: %q", got)
	}

	// Connect to b with the form.
	do(t, ctx, "connect to b",
		chromedp.SendKeys(chromedp.CSS(`#address`), b.Addrs()[0]),
		chromedp.Submit(chromedp.CSS(`#address`)))
	admPoll(t, ctx, "b shows as connected", `document.getElementById("peer-list") !== null && document.getElementById("peer-list").textContent.includes("`+b.PeerID().String()+`")`)
	peers := admText(t, ctx, `#peer-list`)
	if !strings.Contains(peers, "direct") || !strings.Contains(peers, "Gossip score") {
		t.Errorf("peers: %q", peers)
	}
	if got := admText(t, ctx, `.net-peers .net-notice`); !strings.Contains(got, b.PeerID().String()) {
		t.Errorf("connect notice: %q", got)
	}
	if got := state(lonely); !strings.Contains(got, "Only you so far") {
		t.Errorf("a community of one member, with a peer that is not a member: %q", got)
	}

	// b joins the shared community: it syncs, the page says so.
	addMember(t, a, b, shared)
	_, err = b.Post(bg, shared, api.PostRequest{Title: "hello", Body: "from b"})
	must(t, err)
	deadline := time.Now().Add(40 * time.Second)
	for !strings.Contains(state(shared), "Up to date: last synced") {
		if time.Now().After(deadline) {
			t.Fatalf("shared community: %q", state(shared))
		}
		time.Sleep(time.Second)
		do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#c-`+shared.String())))
	}
	if got := state(shared); !strings.Contains(got, shortPeerForTest(b.PeerID().String())) {
		t.Errorf("shared community: %q, want peer %s", got, b.PeerID())
	}
	if got := state(lonely); !strings.Contains(got, "Only you so far") {
		t.Errorf("a community of one member after b joined another: %q", got)
	}
	admClick(t, ctx, "sync now with a member connected", `#c-`+shared.String()+` .net-sync-now button`)
	admPoll(t, ctx, "sync now answers", `document.querySelector("#c-`+shared.String()+` .net-notice") !== null`)
	if got := state(shared); !strings.Contains(got, "Sync started") {
		t.Errorf("sync now: %q", got)
	}
	screenshot(t, ctx, "network")
}

// shortPeerForTest is how the page shortens a peer id.
func shortPeerForTest(p string) string { return fmt.Sprintf("%s…%s", p[:8], p[len(p)-6:]) }

// TestRemovedMemberSeesWhy: a removed member's community pages say they
// were removed and offer no form that would only be refused.
func TestRemovedMemberSeesWhy(t *testing.T) {
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Removals"})
	post, err := a.Post(bg, community, api.PostRequest{Title: "Still readable", Body: "yes"})
	must(t, err)
	eventually(t, "the post on b", func() bool { _, err := b.Thread(bg, post); return err == nil })
	sb := newSession(t, b)
	c := "/c/" + community.String()
	note, err := a.NewNote(bg, community, api.NoteRequest{Title: "Also readable", Body: "yes"})
	must(t, err)
	eventually(t, "the note on b", func() bool { _, err := b.Note(bg, note); return err == nil })
	type offer struct{ path, form string }
	pages := []offer{{c, `action="` + c + `/posts"`}, {"/t/" + post.String(), `action="/t/` + post.String() + `/replies"`},
		{"/t/" + post.String(), `action="/r/` + post.String() + `/react"`}, {"/t/" + post.String(), `action="/t/` + post.String() + `/note"`},
		{"/n/" + note.String(), `action="/r/` + note.String() + `/react"`}, {"/n/" + note.String(), `id="edit-note"`},
		{c + "/notes", `action="` + c + `/notes"`}, {c + "/events", `action="` + c + `/events"`}}
	for _, o := range pages {
		if _, _, page := sb.get(o.path); !strings.Contains(page, o.form) || strings.Contains(page, "removed-notice") {
			t.Errorf("%s before the removal: %s %v, a notice %v", o.path, o.form, strings.Contains(page, o.form), strings.Contains(page, "removed-notice"))
		}
	}
	_, err = a.SetRole(bg, community, api.RoleRequest{Member: memberKey(t, b), Action: "remove"})
	must(t, err)
	eventually(t, "b's node hears of the removal", func() bool {
		cs, err := b.Communities(bg)
		return err == nil && len(cs) == 1 && cs[0].Standing == "removed"
	})
	for _, o := range pages {
		if _, _, page := sb.get(o.path); strings.Contains(page, o.form) || !strings.Contains(page, "A moderator removed you from this community") {
			t.Errorf("%s after the removal: %s %v, the notice %v", o.path, o.form, strings.Contains(page, o.form), strings.Contains(page, "A moderator removed you"))
		}
	}
}

// TestUnsharedAfterRemoval: what a member wrote while away, after a
// moderator had removed them, leaves their node's pages once it hears of
// the removal; the removal notice links a page that lists it, text and
// all, instead of it vanishing without a word.
func TestUnsharedAfterRemoval(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	bHome := home.Home{Dir: t.TempDir()}
	b, err := node.Start(bg, node.Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Removals"})
	post, err := a.Post(bg, community, api.PostRequest{Title: "Rota for December", Body: "Who takes the 24th?"})
	must(t, err)
	eventually(t, "the post on b", func() bool { _, err := b.Thread(bg, post); return err == nil })
	bKey := memberKey(t, b)
	must(t, b.Close())
	_, err = a.SetRole(bg, community, api.RoleRequest{Member: bKey, Action: "remove", Reason: "left the team"})
	must(t, err)

	// b, away and unaware, replies (written into its store as its node
	// would: it is stopped).
	id, err := bHome.Open()
	must(t, err)
	reply, err := protocol.Sign(id.Member, community, time.Now().UnixMilli(), protocol.Refs{Root: post}, &protocol.Reply{Text: "I take the 24th.\n\n<b>and</b> the 31st"})
	must(t, err)
	st, err := store.Open(filepath.Join(bHome.Dir, home.StoreDir), store.Options{})
	must(t, err)
	_, err = st.Put(bg, reply)
	must(t, err)
	must(t, st.Close())

	b, err = node.Start(bg, node.Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	t.Cleanup(func() { b.Close() })
	eventually(t, "b's node hears of the removal", func() bool {
		cs, err := b.Communities(bg)
		return err == nil && len(cs) == 1 && cs[0].Standing == "removed"
	})
	sb := newSession(t, b)
	_, _, page := sb.get("/t/" + post.String())
	if strings.Contains(page, "I take the 24th") {
		t.Error("the thread still shows the reply b wrote after its removal")
	}
	if !strings.Contains(page, `id="unshared-link"`) || !strings.Contains(page, "(1) reached no one") {
		t.Fatalf("the removal notice does not link what b wrote after it:\n%s", page)
	}
	_, _, page = sb.get("/c/" + community.String() + "/unshared")
	for _, want := range []string{"I take the 24th.", "&lt;b&gt;and&lt;/b&gt; the 31st", `href="/t/` + post.String() + `"`, "reply"} {
		if !strings.Contains(page, want) {
			t.Errorf("the unshared page lacks %q:\n%s", want, page)
		}
	}
	// A's community lists nothing of the kind, and says so.
	sa := newSession(t, a)
	if _, _, page := sa.get("/c/" + community.String() + "/unshared"); !strings.Contains(page, `id="unshared-none"`) {
		t.Errorf("the founder's unshared page: %s", page)
	}
	// Admitted again, b still finds it: those records stay refused.
	_, err = a.SetRole(bg, community, api.RoleRequest{Member: bKey, Action: "admit"})
	must(t, err)
	eventually(t, "b's node hears it is admitted again", func() bool {
		cs, err := b.Communities(bg)
		return err == nil && len(cs) == 1 && cs[0].Standing == "member"
	})
	if _, _, page := sb.get("/c/" + community.String()); !strings.Contains(page, `id="unshared-notice"`) || !strings.Contains(page, "What you wrote while you were removed</a> (1)") {
		t.Errorf("after the admission, the page does not link what b wrote while removed:\n%s", page)
	}
}

// TestSelfActionsAskFirst: a moderator's buttons on their own row ask
// first (a click revoked their own role at once, and the page they landed
// on, no longer theirs, said nothing of it); once done, the page says what
// they did to themselves.
func TestSelfActionsAskFirst(t *testing.T) {
	bg := context.Background()
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Self"})
	bKey := memberKey(t, b)
	_, err := a.SetRole(bg, community, api.RoleRequest{Member: bKey, Action: "moderator"})
	must(t, err)
	eventually(t, "b's node sees b moderate", func() bool {
		cs, err := b.Communities(bg)
		return err == nil && len(cs) == 1 && cs[0].Standing == "moderator"
	})
	ub := newSession(t, b)
	admin := "/c/" + community.String() + "/admin"
	_, _, page := ub.get(admin)
	row := page[strings.Index(page, `data-key="`+bKey.String()+`"`):]
	row = row[:strings.Index(row, "</li>")]
	if !strings.Contains(row, `value="revoke" formmethod="get"`) || !strings.Contains(row, `value="remove" class="adm-danger" formmethod="get"`) {
		t.Fatalf("b's own row does not ask first:\n%s", row)
	}
	_, _, page = ub.get(admin + "?action=revoke&member=" + bKey.String())
	if !strings.Contains(page, `id="confirm-revoke"`) || !strings.Contains(page, "Stop being a moderator of Self?") || !strings.Contains(page, `value="revoke" class="adm-danger">Stop being a moderator</button>`) {
		t.Fatalf("the confirmation of revoking oneself:\n%s", page)
	}
	// Another member's row acts at once, and a hand-made confirmation of
	// another's revocation speaks of them, not of "you".
	aKey := memberKey(t, a)
	_, _, page = ub.get(admin)
	other := page[strings.Index(page, `data-key="`+aKey.String()+`"`):]
	if other = other[:strings.Index(other, "</li>")]; strings.Contains(other, `formmethod="get"`) && !strings.Contains(other, `value="remove"`) {
		t.Errorf("another member's row asks first:\n%s", other)
	}
	_, _, page = ub.get(admin + "?action=revoke&member=" + aKey.String())
	if strings.Contains(page, "Stop being a moderator") {
		t.Errorf("the confirmation of another's revocation speaks of oneself:\n%s", page)
	}
	_, _, page = ub.get(admin + "?action=remove&member=" + bKey.String())
	if !strings.Contains(page, "Remove <strong>yourself</strong> from Self?") || !strings.Contains(page, ">Remove yourself</button>") {
		t.Errorf("the confirmation of removing oneself:\n%s", page)
	}
	code, loc, body := ub.post("/c/"+community.String()+"/roles", ub.base, url.Values{"member": {bKey.String()}, "action": {"revoke"}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "done=revoke-self") {
		t.Fatalf("revoking oneself: %d %q %s", code, loc, body)
	}
	if _, _, page := ub.get(loc); !strings.Contains(page, "Done: you are no longer a moderator") || !strings.Contains(page, "Only moderators can use this page") {
		t.Errorf("the page after revoking oneself:\n%s", page)
	}
}
