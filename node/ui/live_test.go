package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

// TestLiveKeepsWhatYouType: a live update of a thread keeps the control
// a keyboard user was on, and does not throw away a moderation reason
// being written: it offers the new version instead, and brings it in
// once the reader is done or asks for it.
func TestLiveKeepsWhatYouType(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Busy readers"})
	post, err := b.Post(bg, community, api.PostRequest{Title: "Which lathe?", Body: "by b"})
	must(t, err)
	eventually(t, "b's post on a", func() bool { _, err := a.Thread(bg, post); return err == nil })
	login(t, ctx, a)
	do(t, ctx, "open the thread", chromedp.Navigate(uiBase(a)+"/t/"+post.String()), chromedp.WaitVisible(`#live h1`))
	loaded(ctx)

	// A keyboard user on the post's Helpful button.
	eval[bool](t, ctx, `document.querySelector("#live form.reactions button[value=helpful]").focus(), true`)
	_, err = b.Reply(bg, post, api.ReplyRequest{Body: "The first reply"})
	must(t, err)
	waitText(t, ctx, "#live", "The first reply")
	want := "/r/" + post.String() + "/react helpful"
	if got := eval[string](t, ctx, `(e => e.form ? e.form.getAttribute("action") + " " + e.value : e.tagName)(document.activeElement)`); got != want {
		t.Errorf("focus after the update: %q, want %q", got, want)
	}

	// A moderator half way through a reason.
	reason := `#live details.moderate input[name=reason]`
	do(t, ctx, "open the post's moderation panel", chromedp.Click(chromedp.CSS(`#live details.moderate summary`)),
		chromedp.SendKeys(chromedp.CSS(reason), "posted by a bot"))
	_, err = b.Reply(bg, post, api.ReplyRequest{Body: "The second reply"})
	must(t, err)
	do(t, ctx, "the offer of the new version", chromedp.WaitVisible(chromedp.CSS(`#live-waiting button`)))
	kept := eval[string](t, ctx, `document.querySelector("#live details.moderate").open + " " + document.querySelector("`+reason+`").value`)
	if kept != "true posted by a bot" {
		t.Errorf("the panel and its reason after an update came: %q", kept)
	}
	if strings.Contains(text(t, ctx, "#live"), "The second reply") {
		t.Error("the second reply replaced the part being written in")
	}
	// Done with it (the reason emptied, the panel closed): the new
	// version comes in by itself.
	eval[bool](t, ctx, `(() => { const i = document.querySelector("`+reason+`"); i.value = ""; i.dispatchEvent(new Event("input", {bubbles: true}));
		document.querySelector("#live details.moderate").open = false; return true })()`)
	waitText(t, ctx, "#live", "The second reply")

	// Asked for: the button brings it in.
	do(t, ctx, "write a reason again", chromedp.Click(chromedp.CSS(`#live details.moderate summary`)),
		chromedp.SendKeys(chromedp.CSS(reason), "again"))
	_, err = b.Reply(bg, post, api.ReplyRequest{Body: "The third reply"})
	must(t, err)
	do(t, ctx, "show the new version", chromedp.WaitVisible(chromedp.CSS(`#live-waiting button`)), chromedp.Click(chromedp.CSS(`#live-waiting button`)))
	waitText(t, ctx, "#live", "The third reply")
}

// TestLiveSaysWhenTheDaemonIsGone: an open page says when the daemon
// stops answering, and, once a restarted daemon refuses the old session,
// that the session ended and what to do, rather than silently no longer
// updating.
func TestLiveSaysWhenTheDaemonIsGone(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	bg := context.Background()
	a, err := node.Start(bg, node.Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Restarts"})
	must(t, err)
	login(t, ctx, a)
	do(t, ctx, "open the community", chromedp.Navigate(uiBase(a)+"/c/"+community.String()), chromedp.WaitVisible(`#live`))
	loaded(ctx)
	addr := strings.TrimPrefix(uiBase(a), "http://")
	must(t, a.Close())
	waitText(t, ctx, "#live-status", "not answering")

	again, err := node.Start(bg, node.Config{Home: home.Home{Dir: dir}, Loopback: true, API: addr})
	must(t, err)
	t.Cleanup(func() { again.Close() })
	waitText(t, ctx, "#live-status", "session ended")
	if s := text(t, ctx, "#live-status"); !strings.Contains(s, "kith ui") {
		t.Errorf("the notice does not say what to do: %q", s)
	}
}
