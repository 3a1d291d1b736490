package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// noteCommunity creates a community on n.
func noteCommunity(t *testing.T, n *node.Node, name string) protocol.ID {
	t.Helper()
	id, err := n.CreateCommunity(context.Background(), api.CreateCommunityRequest{Name: name, Domain: "notes"})
	must(t, err)
	return id
}

// TestNoteEditDiffRevert: a member, clicking and typing, opens the
// community's Notes tab, writes a note in Markdown, edits one line of it,
// sees the removed and the added line on the diff page, and reverts to the
// first revision, which brings the original text back as a third revision.
func TestNoteEditDiffRevert(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Gardeners")
	login(t, ctx, a)

	do(t, ctx, "open the community", chromedp.Click(`#communities a`), chromedp.WaitVisible(`nav.tabs`))
	do(t, ctx, "open the Notes tab", chromedp.Click(`nav.tabs a[href$="/notes"]`), chromedp.WaitVisible(`#new-note`))
	if got := text(t, ctx, `main`); !strings.Contains(got, "No notes yet") {
		t.Errorf("empty notes list: %q", got)
	}
	do(t, ctx, "write a note",
		chromedp.Click(`#new-note input[name=title]`),
		chromedp.SendKeys(`#new-note input[name=title]`, "Composting"),
		chromedp.SendKeys(`#new-note textarea[name=body]`, "Mix greens and browns.\n\nTurn it **weekly**.\n\nKeep it damp."),
		chromedp.SendKeys(`#new-note input[name=tags]`, "Soil, compost"),
		chromedp.Click(`#new-note button`),
		chromedp.WaitVisible(`#note-body`))
	if got := text(t, ctx, `article.note h1`); got != "Composting" {
		t.Errorf("note title %q", got)
	}
	if got := text(t, ctx, `#note-body strong`); got != "weekly" {
		t.Errorf("the Markdown was not rendered: <strong> holds %q", got)
	}
	if got := text(t, ctx, `article.note`); !strings.Contains(got, "soil") || !strings.Contains(got, "compost") {
		t.Errorf("tags not shown: %q", got)
	}

	do(t, ctx, "back to the list", chromedp.Click(`.note-actions a[href$="/notes"]`), chromedp.WaitVisible(`#notes`))
	if got := text(t, ctx, `#notes`); !strings.Contains(got, "Composting") || !strings.Contains(got, "soil") {
		t.Errorf("notes list: %q", got)
	}
	screenshot(t, ctx, "notes")
	do(t, ctx, "open the note", chromedp.Click(`#notes a`), chromedp.WaitVisible(`#note-body`))

	do(t, ctx, "edit", chromedp.Click(`#edit-note`), chromedp.WaitVisible(`#edit textarea`))
	if got, err := retry(ctx, chromedp.Value(`#edit textarea`)); err != nil || got != "Mix greens and browns.\n\nTurn it **weekly**.\n\nKeep it damp." {
		t.Errorf("edit form not prefilled with the text: %q %v", got, err)
	}
	do(t, ctx, "change a line",
		chromedp.Clear(`#edit textarea`),
		chromedp.SendKeys(`#edit textarea`, "Mix greens and browns.\n\nTurn it **every three days**.\n\nKeep it damp."),
		chromedp.Click(`#edit button`),
		chromedp.WaitVisible(`#note-body`))
	if got := text(t, ctx, `#note-body`); !strings.Contains(got, "every three days") || strings.Contains(got, "weekly") {
		t.Errorf("edited note: %q", got)
	}
	if got := text(t, ctx, `#history`); strings.Count(got, "Composting") != 2 {
		t.Errorf("history after one edit: %q", got)
	}
	screenshot(t, ctx, "note")

	do(t, ctx, "open the diff", chromedp.Click(`#history li:first-child a.note-changes`), chromedp.WaitVisible(`#diff`))
	if got := text(t, ctx, `#diff del`); got != "Turn it **weekly**." {
		t.Errorf("removed line %q", got)
	}
	if got := text(t, ctx, `#diff ins`); got != "Turn it **every three days**." {
		t.Errorf("added line %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#diff del, #diff ins").length`); n != 2 {
		t.Errorf("%d changed lines, want 2", n)
	}
	// Without colour: a visible marker says which line went and which came.
	if got := text(t, ctx, `#diff .note-del`); !strings.HasPrefix(got, "−") || !strings.Contains(got, "Turn it **weekly**.") {
		t.Errorf("removed line without its marker: %q", got)
	}
	if got := text(t, ctx, `#diff .note-ins`); !strings.HasPrefix(got, "+") || !strings.Contains(got, "Turn it **every three days**.") {
		t.Errorf("added line without its marker: %q", got)
	}
	screenshot(t, ctx, "note-diff")

	do(t, ctx, "back to the note", chromedp.Click(`#back-to-note`), chromedp.WaitVisible(`#history`))
	do(t, ctx, "revert to the first revision",
		chromedp.Click(`#history li:last-child form.note-revert button`),
		chromedp.WaitVisible(`#history li:nth-child(3)`))
	if got := text(t, ctx, `#note-body`); !strings.Contains(got, "Turn it weekly.") || strings.Contains(got, "every three days") {
		t.Errorf("after the revert: %q", got)
	}

	notes, err := a.Notes(bg, community, "", 10)
	must(t, err)
	if len(notes.Items) != 1 {
		t.Fatalf("%d notes", len(notes.Items))
	}
	d, err := a.Note(bg, notes.Items[0].ID)
	must(t, err)
	if d.Revisions != 3 || len(d.Heads) != 1 || d.Heads[0].Body != "Mix greens and browns.\n\nTurn it **weekly**.\n\nKeep it damp." ||
		!slices.Equal(d.Heads[0].Tags, []string{"soil", "compost"}) {
		t.Errorf("stored note after the revert: %+v", d)
	}
}

// TestNoteConcurrentHeads: two revisions follow the same one, as when two
// members edit apart; the list marks the note, its page shows both
// versions and says what happened, and the merge form (prefilled with the
// newest version) writes one revision that follows both.
func TestNoteConcurrentHeads(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Orchard")
	// Revisions are numbered in time order: none in the same millisecond.
	root, err := a.NewNote(bg, community, api.NoteRequest{Title: "Pruning", Body: "Prune in winter.", Tags: []string{"trees"}})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	r1, err := a.Revise(bg, root, api.RevisionRequest{Body: "Prune in late winter.", Parents: []protocol.ID{root}})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	r2, err := a.Revise(bg, root, api.RevisionRequest{Body: "Prune in winter, just above a bud.", Parents: []protocol.ID{root}})
	must(t, err)
	d, err := a.Note(bg, root)
	must(t, err)
	if len(d.Heads) != 2 {
		t.Fatalf("%d heads, want 2", len(d.Heads))
	}

	login(t, ctx, a)
	do(t, ctx, "notes list", chromedp.Navigate(uiBase(a)+"/c/"+community.String()+"/notes"), chromedp.WaitVisible(`#notes`))
	if got := text(t, ctx, `#notes .notes-merge`); got != "2 versions: needs a merge" {
		t.Errorf("list marker %q", got)
	}
	do(t, ctx, "note page", chromedp.Click(`#notes a`), chromedp.WaitVisible(`#conflict`))
	conflict := text(t, ctx, `#conflict`)
	for _, want := range []string{"2 versions: needs a merge", "edited this note apart", "Prune in late winter.", "Prune in winter, just above a bud."} {
		if !strings.Contains(conflict, want) {
			t.Errorf("conflict section lacks %q: %q", want, conflict)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#conflict .note-head").length`); n != 2 {
		t.Errorf("%d versions shown, want 2", n)
	}
	parents := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#merge input[name=parent]'), e => e.value).sort()`)
	want := []string{r1.String(), r2.String()}
	slices.Sort(want)
	if !slices.Equal(parents, want) {
		t.Errorf("merge form parents %v, want %v", parents, want)
	}
	if got, err := retry(ctx, chromedp.Value(`#merge textarea`)); err != nil || got != d.Heads[0].Body {
		t.Errorf("merge form holds %q (%v), want the newest version %q", got, err, d.Heads[0].Body)
	}
	screenshot(t, ctx, "note-conflict")

	do(t, ctx, "merge",
		chromedp.Clear(`#merge textarea`),
		chromedp.SendKeys(`#merge textarea`, "Prune in late winter, just above a bud."),
		chromedp.Click(`#merge button`),
		chromedp.WaitVisible(`#note-body`))
	if got := text(t, ctx, `#note-body`); got != "Prune in late winter, just above a bud." {
		t.Errorf("merged note shows %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#conflict, #merge").length`); n != 0 {
		t.Errorf("merged note still shows the conflict")
	}
	d, err = a.Note(bg, root)
	must(t, err)
	merged := []protocol.ID{r1, r2}
	slices.SortFunc(merged, protocol.ID.Compare)
	if len(d.Heads) != 1 || d.Revisions != 4 || !slices.Equal(d.Heads[0].Parents, merged) || !slices.Equal(d.Heads[0].Tags, []string{"trees"}) {
		t.Errorf("after the merge: heads %+v, %d revisions", d.Heads, d.Revisions)
	}
	if got := text(t, ctx, `#history li:first-child`); !strings.Contains(got, "merges 2 versions") ||
		!strings.Contains(got, "changes against revision 2") || !strings.Contains(got, "changes against revision 3") {
		t.Errorf("the merge in the history: %q", got)
	}
	do(t, ctx, "notes list again", chromedp.Click(`.note-actions a[href$="/notes"]`), chromedp.WaitVisible(`#notes`))
	if n := eval[int](t, ctx, `document.querySelectorAll("#notes .notes-merge").length`); n != 0 {
		t.Errorf("the list still asks for a merge")
	}
}

// Hostile note content: every payload would set window.pwned or the
// document's title if it ran.
const (
	noteHostileTitle = `</title><script>window.pwned=1</script><img src=x onerror="window.pwned=2;document.title='pwned'">"'><svg onload=window.pwned=3>`
	noteHostileBody  = "# Hi <script>window.pwned=4</script>\n\n" +
		"<img src=x onerror=\"window.pwned=5;document.title='pwned'\">\n\n" +
		"<svg onload=\"window.pwned=6\"><circle r=\"9\"/></svg>\n\n" +
		"<style>body{display:none}</style>\n\n" +
		"<iframe src=\"javascript:window.pwned=7\"></iframe>\n\n" +
		"[click me](javascript:window.pwned=8) and <a href=\"javascript:window.pwned=9\">raw</a>\n\n" +
		"![pic](javascript:window.pwned=10) [entity](&#106;avascript:window.pwned=11)\n\n" +
		"<div onclick=\"window.pwned=12\" style=\"position:fixed;inset:0\">unclosed <b><i><table><tr><td>\n\n" +
		"</textarea><script>window.pwned=13</script>\n\n" +
		"\"><img src=x onerror=window.pwned=14> <details open ontoggle=\"window.pwned=15\">x</details>\n\n" +
		"<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=16>\n\n" +
		"[ref link][r]\n\n[r]: javascript:window.pwned=17\n"
)

// noteCheckHarmless asserts that nothing in the page ran or was made of the
// hostile note's markup.
func noteCheckHarmless(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	time.Sleep(300 * time.Millisecond) // let failed images fire their errors
	if pwned := eval[string](t, ctx, `String(window.pwned)`); pwned != "undefined" {
		t.Errorf("%s: a payload ran: window.pwned = %s", where, pwned)
	}
	if title := eval[string](t, ctx, `document.title`); title == "pwned" {
		t.Errorf("%s: a payload set the title", where)
	}
	for _, sel := range []string{`script:not([src])`, `[onerror]`, `[onload]`, `[onclick]`, `[ontoggle]`,
		`a[href^="javascript" i]`, `[src^="javascript" i]`, `main svg`, `main iframe`, `main style`, `main math`, `main [style]`} {
		if n := eval[int](t, ctx, `document.querySelectorAll(`+"`"+sel+"`"+`).length`); n != 0 {
			t.Errorf("%s: %d elements match %s", where, n, sel)
		}
	}
}

// TestNoteHostileContent: a note written on another member's node, with
// markup and script in its title, tags and text, arrives by replication;
// the list, note, edit and diff pages show it without running anything or
// making elements of it, and so does the live refresh when a further
// hostile revision arrives while the note is open.
func TestNoteHostileContent(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Open club")
	addMember(t, a, b, community)
	root, err := b.NewNote(bg, community, api.NoteRequest{Title: noteHostileTitle, Body: noteHostileBody,
		Tags: []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`}})
	must(t, err)
	rev, err := b.Revise(bg, root, api.RevisionRequest{Body: noteHostileBody + "\nsecond <script>window.pwned=18</script> revision\n"})
	must(t, err)
	arrived := func(revisions int) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for {
			d, err := a.Note(bg, root)
			if err == nil && d.Revisions >= revisions {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("b's note did not reach a: %+v %v", d, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	arrived(2)

	login(t, ctx, a)
	base := uiBase(a)
	do(t, ctx, "notes list", chromedp.Navigate(base+"/c/"+community.String()+"/notes"), chromedp.WaitVisible(`#notes`))
	noteCheckHarmless(t, ctx, "notes list")
	if got := text(t, ctx, `#notes`); !strings.Contains(got, noteHostileTitle) {
		t.Errorf("the title is not shown as text: %q", got)
	}

	do(t, ctx, "note page", chromedp.Click(`#notes a`), chromedp.WaitVisible(`#note-body`))
	noteCheckHarmless(t, ctx, "note page")
	if got := text(t, ctx, `article.note h1`); got != noteHostileTitle {
		t.Errorf("note title shown as %q", got)
	}
	if got := text(t, ctx, `#note-body`); !strings.Contains(got, "second") || !strings.Contains(got, "click me") {
		t.Errorf("note text: %q", got)
	}

	do(t, ctx, "edit page", chromedp.Click(`#edit-note`), chromedp.WaitVisible(`#edit textarea`))
	noteCheckHarmless(t, ctx, "edit page")
	d, err := a.Note(bg, root)
	must(t, err)
	if got, err := retry(ctx, chromedp.Value(`#edit textarea`)); err != nil || got != d.Heads[0].Body {
		t.Errorf("the edit form does not hold the text as written: %q %v", got, err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("textarea, main script").length`); n != 1 {
		t.Errorf("the text broke out of its textarea: %d textareas and scripts", n)
	}
	if got, err := retry(ctx, chromedp.Value(`#edit input[name=title]`)); err != nil || got != noteHostileTitle {
		t.Errorf("the edit form does not hold the title as written: %q %v", got, err)
	}

	do(t, ctx, "diff page", chromedp.Navigate(base+"/n/"+root.String()+"/diff"), chromedp.WaitVisible(`#diff`))
	noteCheckHarmless(t, ctx, "diff page")
	if got := text(t, ctx, `#diff`); !strings.Contains(got, "second <script>window.pwned=18</script> revision") {
		t.Errorf("added line: %q", got)
	}
	do(t, ctx, "diff of the first revision", chromedp.Navigate(base+"/n/"+root.String()+"/diff?b="+root.String()), chromedp.WaitVisible(`#diff`))
	noteCheckHarmless(t, ctx, "first revision's text")

	// Live: b writes a third revision while a's note page is open.
	do(t, ctx, "note page again", chromedp.Navigate(base+"/n/"+root.String()), chromedp.WaitVisible(`#history`))
	_, err = b.Revise(bg, root, api.RevisionRequest{Title: noteHostileTitle + "3", Parents: []protocol.ID{rev}})
	must(t, err)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#history li").length === 3`,
		chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		t.Fatalf("b's revision did not appear live: %v", err)
	}
	noteCheckHarmless(t, ctx, "live refresh")
}

// TestNotePages drives the notes pages over plain HTTP: error pages for
// bad and unknown ids, forms refused without the UI's Origin, pagination,
// text kept as typed, promotion of a thread, and GET pages that change
// nothing.
func TestNotePages(t *testing.T) {
	a := startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Plain HTTP")
	s := newSession(t, a)
	base := s.base
	noteID := func(location string) protocol.ID {
		t.Helper()
		id, err := protocol.ParseID(strings.TrimPrefix(location, "/n/"))
		if err != nil || !strings.HasPrefix(location, "/n/") {
			t.Fatalf("redirected to %q, not to a note", location)
		}
		return id
	}

	// Forms from elsewhere are refused; the UI's own are accepted, with the
	// browser's CRLF line ends stored as LF.
	form := url.Values{"title": {"Soldering"}, "body": {"Tin the tip.\r\nClean it often."}, "tags": {"Tools, heat , "}}
	if code, _, _ := s.post("/c/"+community.String()+"/notes", "", form); code != http.StatusForbidden {
		t.Errorf("form without Origin: %d", code)
	}
	if code, _, _ := s.post("/c/"+community.String()+"/notes", "http://evil.example", form); code != http.StatusForbidden {
		t.Errorf("form from another origin: %d", code)
	}
	if notes, err := a.Notes(bg, community, "", 10); err != nil || len(notes.Items) != 0 {
		t.Fatalf("a refused form wrote a note: %v %v", notes, err)
	}
	code, loc, body := s.post("/c/"+community.String()+"/notes", base, form)
	if code != http.StatusSeeOther {
		t.Fatalf("new note: %d %s", code, body)
	}
	first := noteID(loc)
	d, err := a.Note(bg, first)
	must(t, err)
	if d.Title != "Soldering" || d.Heads[0].Body != "Tin the tip.\nClean it often." || !slices.Equal(d.Heads[0].Tags, []string{"tools", "heat"}) {
		t.Errorf("stored note: %+v", d)
	}
	// The member's own note shows its reactions without buttons, and a
	// reaction sent anyway is refused: only other members' count.
	_, _, page := s.get("/n/" + first.String())
	if strings.Contains(page, `action="/r/`+first.String()+`/react"`) || !strings.Contains(page, "Helpful · 0") {
		t.Errorf("the member's own note offers reactions:\n%s", page)
	}
	if code, _, body := s.post("/r/"+first.String()+"/react", base, url.Values{"reaction": {"helpful"}}); code != http.StatusBadRequest || !strings.Contains(body, "that is yours") {
		t.Errorf("reaction to one's own note: %d %s", code, body)
	}
	// A reaction from the page of another member's note counts for the
	// note and returns there; a "back" off this site is not followed.
	b := startNode(t)
	addMember(t, a, b, community)
	theirs, err := b.NewNote(bg, community, api.NoteRequest{Title: "Flux", Body: "Rosin, not acid."})
	must(t, err)
	eventually(t, "b's note on a", func() bool { _, err := a.Note(bg, theirs); return err == nil })
	if _, _, page := s.get("/n/" + theirs.String()); !strings.Contains(page, `action="/r/`+theirs.String()+`/react"`) {
		t.Errorf("another member's note offers no reactions:\n%s", page)
	}
	if code, loc, body := s.post("/r/"+theirs.String()+"/react", base, url.Values{"reaction": {"helpful"}, "back": {"/n/" + theirs.String()}}); code != http.StatusSeeOther || loc != "/n/"+theirs.String() {
		t.Errorf("reaction: %d %s %s", code, loc, body)
	}
	if code, loc, body := s.post("/r/"+theirs.String()+"/react", base, url.Values{"reaction": {"applied"}, "back": {"//evil.example/x"}}); code != http.StatusSeeOther || loc != "/" {
		t.Errorf("reaction with a foreign back: %d %s %s", code, loc, body)
	}
	if code, _, _ := s.post("/r/"+theirs.String()+"/react", base, url.Values{"reaction": {"<script>"}}); code != http.StatusBadRequest {
		t.Errorf("unknown reaction: %d", code)
	}
	d, err = a.Note(bg, theirs)
	if err != nil || d.Reactions.Helpful != 1 || d.Reactions.Applied != 1 || len(d.Reactions.Mine) != 2 {
		t.Fatalf("note reactions: %+v %v", d.Reactions, err)
	}
	// The member's reactions show pressed, and pressing one takes it back.
	undo := `formaction="/r/` + d.Reactions.Mine["helpful"].String() + `/delete" aria-pressed="true"`
	if _, _, page := s.get("/n/" + theirs.String()); !strings.Contains(page, undo) || strings.Count(page, `aria-pressed="true"`) != 2 ||
		!strings.Contains(page, `aria-pressed="false" title="Agree"`) {
		t.Errorf("the member's reactions are not shown pressed:\n%s", page)
	}
	if code, loc, body := s.post("/r/"+d.Reactions.Mine["helpful"].String()+"/delete", base, url.Values{"back": {"/n/" + theirs.String()}}); code != http.StatusSeeOther || loc != "/n/"+theirs.String() {
		t.Errorf("taking a reaction back: %d %s %s", code, loc, body)
	}
	if d, err := a.Note(bg, theirs); err != nil || d.Reactions.Helpful != 0 || d.Reactions.Applied != 1 || len(d.Reactions.Mine) != 1 {
		t.Errorf("note reactions after taking one back: %+v %v", d.Reactions, err)
	}
	if _, _, page := s.get("/n/" + theirs.String()); !strings.Contains(page, `value="helpful" aria-pressed="false"`) {
		t.Errorf("a reaction taken back still shows pressed:\n%s", page)
	}
	if code, _, body := s.post("/c/"+community.String()+"/notes", base, url.Values{"title": {"  "}}); code != http.StatusBadRequest || !strings.Contains(body, "needs a title") {
		t.Errorf("note without a title: %d %s", code, body)
	}

	// An edit that empties the text is refused rather than silently kept.
	if code, _, body := s.post("/n/"+first.String()+"/revisions", base, url.Values{"title": {"Soldering"}, "body": {""}}); code != http.StatusBadRequest || !strings.Contains(body, "needs a title and a text") {
		t.Errorf("empty revision: %d %s", code, body)
	}
	if code, _, _ := s.post("/n/"+first.String()+"/revisions", base, url.Values{"title": {"x"}, "body": {"y"}, "parent": {"nope"}}); code != http.StatusBadRequest {
		t.Errorf("bad parent: %d", code)
	}
	if code, _, body := s.post("/n/"+first.String()+"/revisions", base, url.Values{"revert": {protocol.ID{7}.String()}}); code != http.StatusBadRequest || !strings.Contains(body, "not a live revision") {
		t.Errorf("revert to an unknown revision: %d %s", code, body)
	}
	// Tags emptied in the edit form are removed.
	if code, loc, body := s.post("/n/"+first.String()+"/revisions", base, url.Values{"title": {"Soldering"}, "body": {"Tin the tip."}, "tags": {""},
		"parent": {first.String()}}); code != http.StatusSeeOther || loc != "/n/"+first.String() {
		t.Errorf("revision: %d %s %s", code, loc, body)
	}
	d, err = a.Note(bg, first)
	must(t, err)
	if d.Revisions != 2 || len(d.Heads[0].Tags) != 0 || d.Heads[0].Body != "Tin the tip." {
		t.Errorf("after the revision: %+v", d)
	}

	// Error pages, never a panic.
	thread, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "How hot should the iron be?", Body: "For lead-free solder.", Tags: []string{"tools"}})
	must(t, err)
	unknown := protocol.ID{1, 2, 3}.String()
	for _, c := range []struct {
		path string
		code int
		say  string
	}{
		{"/n/not-an-id", http.StatusNotFound, "is not an id"},
		{"/n/" + unknown, http.StatusNotFound, "no note"},
		{"/n/" + unknown + "/edit", http.StatusNotFound, "no note"},
		{"/n/" + unknown + "/diff", http.StatusNotFound, "no note"},
		{"/n/" + thread.String() + "/edit", http.StatusNotFound, "not a note"}, // an id of another kind: no such page (its own page is TestIDOfAnotherPage's)
		{"/c/" + unknown + "/notes", http.StatusNotFound, "holds no community"},
		{"/c/zz/notes", http.StatusNotFound, "is not an id"},
		{"/c/" + community.String() + "/notes?cursor=%ff%00", http.StatusBadRequest, "Bad Request"},
		{"/n/" + first.String() + "/diff?a=zz", http.StatusBadRequest, "revision a"},
		{"/n/" + first.String() + "/diff?b=" + unknown, http.StatusNotFound, "not a revision of this note"},
	} {
		code, _, body := s.get(c.path)
		if code != c.code || !strings.Contains(body, c.say) || !strings.Contains(body, `class="error"`) {
			t.Errorf("GET %s: %d, want %d with %q: %s", c.path, code, c.code, c.say, body)
		}
	}
	if code, _, _ := s.post("/t/"+unknown+"/note", base, nil); code != http.StatusNotFound {
		t.Errorf("promote an unknown thread: %d", code)
	}

	// GET pages change nothing; a note is found by any of its revisions.
	for _, p := range []string{"/n/" + first.String(), "/n/" + d.Heads[0].ID.String(), "/n/" + first.String() + "/edit", "/n/" + first.String() + "/diff",
		"/n/" + first.String() + "/diff?b=" + first.String(), "/c/" + community.String() + "/notes"} {
		if code, _, body := s.get(p); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
	if code, _, body := s.get("/n/" + first.String() + "/diff?b=" + first.String()); !strings.Contains(body, "every line in it is new") || strings.Contains(body, "<del>") {
		t.Errorf("diff of the first revision: %d %s", code, body)
	}
	// A revision compared with itself says so, with no diff.
	head := d.Heads[0].ID.String()
	if code, _, body := s.get("/n/" + first.String() + "/diff?a=" + head + "&b=" + head); code != http.StatusOK || !strings.Contains(body, `id="same-revision"`) || strings.Contains(body, `id="diff"`) {
		t.Errorf("a revision compared with itself: %d %s", code, body)
	}
	if d, err := a.Note(bg, first); err != nil || d.Revisions != 2 {
		t.Errorf("GET pages changed the note: %+v %v", d, err)
	}

	// A question is made a note once it has an accepted answer: until
	// then the page does not offer it, and the form is refused.
	if _, _, body := s.get("/t/" + thread.String()); strings.Contains(body, "Make a note of it") {
		t.Error("an unanswered question offers to be made a note")
	}
	if code, _, body := s.post("/t/"+thread.String()+"/note", base, url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "no accepted answer yet") {
		t.Errorf("promote an unanswered question: %d", code)
	}
	answer, err := a.Reply(bg, thread, api.ReplyRequest{Body: "350 °C."})
	must(t, err)
	_, err = a.Accept(bg, answer)
	must(t, err)
	if _, _, body := s.get("/t/" + thread.String()); !strings.Contains(body, "Make a note of it") {
		t.Error("an answered question does not offer to be made a note")
	}
	// A thread promoted to a note: its title, text and tags by default.
	code, loc, body = s.post("/t/"+thread.String()+"/note", base, url.Values{})
	if code != http.StatusSeeOther {
		t.Fatalf("promote: %d %s", code, body)
	}
	promoted, err := a.Note(bg, noteID(loc))
	must(t, err)
	if promoted.From == nil || *promoted.From != thread || promoted.Title != "How hot should the iron be?" ||
		!strings.Contains(promoted.Heads[0].Body, "For lead-free solder.") || !slices.Equal(promoted.Heads[0].Tags, []string{"tools"}) {
		t.Errorf("promoted note: %+v", promoted)
	}
	if _, _, body := s.get(loc); !strings.Contains(body, `href="/t/`+thread.String()+`"`) {
		t.Errorf("the promoted note does not link to its thread")
	}
	// The thread links to its note, and offers no second promotion.
	if _, _, body := s.get("/t/" + thread.String()); !strings.Contains(body, `href="/n/`+promoted.ID.String()+`"`) || strings.Contains(body, "Make a note of it") {
		t.Errorf("the promoted thread does not link to its note, or offers to make another")
	}
	// Promoting it again is refused, naming the note to edit instead.
	if code, _, body := s.post("/t/"+thread.String()+"/note", base, url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "already the note "+promoted.ID.String()) {
		t.Errorf("a second promotion: %d %s", code, body)
	}
	other, err := a.Post(bg, community, api.PostRequest{Type: "question", Title: "Which tip?", Body: "For fine pitch."})
	must(t, err)
	code, loc, body = s.post("/t/"+other.String()+"/note", base, url.Values{"title": {"Iron temperature"}, "body": {"About 350 °C."}})
	if code != http.StatusSeeOther {
		t.Fatalf("promote with a title: %d %s", code, body)
	}
	if n, err := a.Note(bg, noteID(loc)); err != nil || n.Title != "Iron temperature" || n.Heads[0].Body != "About 350 °C." {
		t.Errorf("promoted with a title: %+v %v", n, err)
	}

	// Pagination: 60 notes in all (4 are written above, b's among them),
	// every one listed once over the pages.
	for i := 4; i < 60; i++ {
		_, err := a.NewNote(bg, community, api.NoteRequest{Title: "Note " + strings.Repeat("i", i%7+1), Body: "text"})
		must(t, err)
	}
	link := regexp.MustCompile(`href="/n/([0-9a-f]+)"`)
	more := regexp.MustCompile(`href="\?cursor=([^"]+)" rel="next"`)
	seen := map[string]bool{}
	path, pages := "/c/"+community.String()+"/notes", 0
	for path != "" && pages < 10 {
		pages++
		code, _, body := s.get(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		for _, m := range link.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("note %s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := more.FindStringSubmatch(body); m != nil {
			cursor, err := url.QueryUnescape(strings.ReplaceAll(m[1], "&amp;", "&"))
			must(t, err)
			path = "/c/" + community.String() + "/notes?cursor=" + url.QueryEscape(cursor)
		}
	}
	if len(seen) != 60 || pages != 2 {
		t.Errorf("%d notes listed over %d pages, want 60 over 2", len(seen), pages)
	}
}

// TestNoteDiffParentDeleted: the default diff of a revision whose parent
// was deleted compares it with the newest earlier revision still shown,
// and says so (it was a 404).
func TestNoteDiffParentDeleted(t *testing.T) {
	a := startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Pruned history")
	s := newSession(t, a)
	root, err := a.NewNote(bg, community, api.NoteRequest{Title: "Pruning", Body: "Prune in winter."})
	must(t, err)
	second, err := a.Revise(bg, root, api.RevisionRequest{Body: "Prune in late winter, call 555-0100 first."})
	must(t, err)
	third, err := a.Revise(bg, root, api.RevisionRequest{Body: "Prune in late winter."})
	must(t, err)
	_, err = a.Delete(bg, second, api.ModerationRequest{Reason: "a phone number"})
	must(t, err)
	code, _, body := s.get("/n/" + root.String() + "/diff")
	if code != http.StatusOK || !strings.Contains(body, `id="parent-gone"`) || !strings.Contains(body, "compared with the newest earlier revision") ||
		!strings.Contains(body, "<del>Prune in winter.</del>") || !strings.Contains(body, "<ins>Prune in late winter.</ins>") {
		t.Errorf("diff of %s, whose parent was deleted: %d %s", third, code, body)
	}
	if strings.Contains(body, "555-0100") {
		t.Error("the deleted revision's text is shown")
	}
}

// TestTextareaKeepsLeadingNewlines (Chromium): a text that starts with
// blank lines comes back whole in the edit form. HTML drops a newline
// right after <textarea>, so each save of an untouched form lost one and
// wrote a new revision.
func TestTextareaKeepsLeadingNewlines(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Margins"})
	must(t, err)
	body := "\n\nStarts low."
	note, err := a.NewNote(bg, community, api.NoteRequest{Title: "Low", Body: body})
	must(t, err)
	post, err := a.Post(bg, community, api.PostRequest{Title: "Low too", Body: body})
	must(t, err)
	ctx := browser(t)
	login(t, ctx, a)
	for _, page := range []string{"/n/" + note.String() + "/edit", "/t/" + post.String() + "/edit"} {
		do(t, ctx, page, chromedp.Navigate(uiBase(a)+page), chromedp.WaitVisible(`textarea[name=body]`))
		if got, err := retry(ctx, chromedp.Value(`textarea[name=body]`)); err != nil || got != body {
			t.Errorf("%s: the form holds %q, want %q (%v)", page, got, body, err)
		}
	}
}

// TestStaleRevertKeepsTheUnseenEdit (plain HTTP): a revert sent from a
// page read before another member's edit arrived follows the versions
// that page showed, so the edit it never showed stays a version beside
// the revert and the note asks for a merge. The form named no versions,
// and the revert replaced that edit unseen.
func TestStaleRevertKeepsTheUnseenEdit(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Stale"})
	must(t, err)
	first, err := a.NewNote(bg, community, api.NoteRequest{Title: "Rota", Body: "Monday: Ana"})
	must(t, err)
	second, err := a.Revise(bg, first, api.RevisionRequest{Body: "Monday: Ben"})
	must(t, err)
	s := newSession(t, a)
	_, _, page := s.get("/n/" + first.String())
	if !strings.Contains(page, `name="parent" value="`+second.String()+`"`) {
		t.Fatalf("the revert form does not name the version it replaces:\n%s", page)
	}
	unseen, err := a.Revise(bg, first, api.RevisionRequest{Body: "Monday: Cleo (important fix)"})
	must(t, err)
	form := url.Values{"revert": {first.String()}, "parent": {second.String()}}
	if code, _, body := s.post("/n/"+first.String()+"/revisions", s.base, form); code != http.StatusSeeOther {
		t.Fatalf("revert: %d %s", code, body)
	}
	d, err := a.Note(bg, first)
	must(t, err)
	var bodies []string
	for _, h := range d.Heads {
		bodies = append(bodies, h.Body)
	}
	if len(d.Heads) != 2 || !slices.Contains(bodies, "Monday: Ana") || !slices.ContainsFunc(d.Heads, func(h api.Head) bool { return h.ID == unseen }) {
		t.Errorf("after a revert from a stale page: heads %q, want the revert and the unseen edit", bodies)
	}
}

// TestNoteModeration (plain HTTP): a note's page lets its author delete
// it and a moderator delete or hide it, as a thread's does; deleting a
// note others revised asks to confirm that it goes whole, and without
// the confirmation is refused. The note page had no such forms.
func TestNoteModeration(t *testing.T) {
	bg := context.Background()
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Tidy"})
	mine, err := a.NewNote(bg, community, api.NoteRequest{Title: "Mine", Body: "alone"})
	must(t, err)
	shared, err := a.NewNote(bg, community, api.NoteRequest{Title: "Shared", Body: "first"})
	must(t, err)
	eventually(t, "the shared note reaches b", func() bool { _, err := b.Note(bg, shared); return err == nil })
	_, err = b.Revise(bg, shared, api.RevisionRequest{Body: "first, and b's part"})
	must(t, err)
	eventually(t, "b's revision reaches a", func() bool { d, err := a.Note(bg, shared); return err == nil && len(d.History) == 2 })
	theirs, err := b.NewNote(bg, community, api.NoteRequest{Title: "Spam", Body: "buy"})
	must(t, err)
	eventually(t, "b's note reaches a", func() bool { _, err := a.Note(bg, theirs); return err == nil })

	s := newSession(t, a)
	notes := "/c/" + community.String() + "/notes"
	_, _, page := s.get("/n/" + shared.String())
	if !strings.Contains(page, `action="/r/`+shared.String()+`/delete"`) || !strings.Contains(page, `name="whole_note"`) || !strings.Contains(page, "Hide from view") {
		t.Fatalf("the founder's page of a note others revised has no delete with confirmation, or no hide:\n%s", page)
	}
	// Hiding needs no confirmation of a deletion: the browser does not
	// check the form's required box for it.
	if !strings.Contains(page, `formaction="/r/`+shared.String()+`/hide" formnovalidate`) {
		t.Error("the hide button checks the delete's confirmation box")
	}
	if _, _, page := s.get("/n/" + mine.String()); strings.Contains(page, `name="whole_note"`) {
		t.Error("deleting a note no one else revised asks to confirm the whole note")
	}
	if code, _, body := s.post("/r/"+shared.String()+"/delete", s.base, url.Values{"back": {notes}}); code != http.StatusBadRequest || !strings.Contains(body, "deletes the whole note") {
		t.Errorf("deleting a shared note unconfirmed: %d\n%s", code, body)
	}
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/r/" + shared.String() + "/delete", url.Values{"back": {notes}, "whole_note": {"yes"}}},
		{"/r/" + mine.String() + "/delete", url.Values{"back": {notes}}},
		{"/r/" + theirs.String() + "/hide", url.Values{"back": {notes}, "reason": {"spam"}}},
	} {
		if code, loc, body := s.post(f.path, s.base, f.form); code != http.StatusSeeOther || loc != notes {
			t.Errorf("%s: %d %s\n%s", f.path, code, loc, body)
		}
	}
	for _, id := range []protocol.ID{shared, mine, theirs} {
		if _, err := a.Note(bg, id); err == nil {
			t.Errorf("note %s is still shown", id)
		}
	}
	// A member is offered no moderation of another's note.
	other, err := a.NewNote(bg, community, api.NoteRequest{Title: "Founder's", Body: "x"})
	must(t, err)
	eventually(t, "a's note reaches b", func() bool { _, err := b.Note(bg, other); return err == nil })
	if _, _, page := newSession(t, b).get("/n/" + other.String()); strings.Contains(page, `/delete"`) || strings.Contains(page, "Hide from view") {
		t.Error("a member is offered to delete or hide another's note")
	}
}

// TestDiffShowsTags (plain HTTP): a revision that changed only the tags
// says so on the diff page (it showed every line unchanged and nothing
// else), and the API gives both lists.
func TestDiffShowsTags(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Tagged"})
	must(t, err)
	first, err := a.NewNote(bg, community, api.NoteRequest{Title: "Compost", Body: "Turn it.", Tags: []string{"soil"}})
	must(t, err)
	second, err := a.Revise(bg, first, api.RevisionRequest{Tags: []string{"soil", "compost"}})
	must(t, err)
	d, err := a.NoteDiff(bg, first, first, second)
	must(t, err)
	if !slices.Equal(d.TagsA, []string{"soil"}) || len(d.TagsB) != 2 {
		t.Errorf("diff tags: %q -> %q", d.TagsA, d.TagsB)
	}
	_, _, page := newSession(t, a).get("/n/" + first.String() + "/diff?a=" + first.String() + "&b=" + second.String())
	if !strings.Contains(page, `id="tags-changed"`) || !strings.Contains(page, `<span class="tag">compost</span>`) {
		t.Errorf("the diff page does not say the tags changed:\n%s", page)
	}
	if _, _, page := newSession(t, a).get("/n/" + first.String() + "/diff?a=" + first.String() + "&b=" + first.String()); strings.Contains(page, `id="tags-changed"`) {
		t.Error("a revision compared with itself shows changed tags")
	}
}

// TestStaleMergeForm (Chromium): the merge form sits below the live part
// of a note's page; when another member merges the versions meanwhile,
// the live part shows one version and the form says it is stale (it went
// on saying it "follows all 2 versions", and saving split the note again).
func TestStaleMergeForm(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	community := noteCommunity(t, a, "Stale merge")
	root, err := a.NewNote(bg, community, api.NoteRequest{Title: "Pruning", Body: "Prune in winter."})
	must(t, err)
	for _, body := range []string{"Prune in late winter.", "Prune just above a bud."} {
		_, err := a.Revise(bg, root, api.RevisionRequest{Body: body, Parents: []protocol.ID{root}})
		must(t, err)
	}
	login(t, ctx, a)
	do(t, ctx, "note page", chromedp.Navigate(uiBase(a)+"/n/"+root.String()), chromedp.WaitVisible(`#merge textarea`))
	if n := eval[int](t, ctx, `document.querySelectorAll("#merge .stale").length`); n != 0 {
		t.Fatal("a fresh merge form says it is stale")
	}
	_, err = a.Revise(bg, root, api.RevisionRequest{Body: "Prune in late winter, just above a bud."})
	must(t, err)
	waitText(t, ctx, `#merge .stale`, "changed since this form was opened")
}

// TestEveryVersionHasItsDiff (plain HTTP): a note in three versions links
// each other version's differences against the newest; only the second
// had a link.
func TestEveryVersionHasItsDiff(t *testing.T) {
	bg := context.Background()
	a := startNode(t)
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Three"})
	must(t, err)
	root, err := a.NewNote(bg, community, api.NoteRequest{Title: "Mulch", Body: "5 cm"})
	must(t, err)
	for _, body := range []string{"6 cm", "7 cm", "8 cm"} {
		_, err := a.Revise(bg, root, api.RevisionRequest{Body: body, Parents: []protocol.ID{root}})
		must(t, err)
	}
	_, _, page := newSession(t, a).get("/n/" + root.String())
	// Numbered as the history and the diff page number them (the note
	// page said "version 3 against version 1", the diff page "revision
	// 2 against revision 4").
	if n := strings.Count(page, `class="note-versions-diff"`); n != 2 || !strings.Contains(page, "revision 2 against revision 4") || !strings.Contains(page, "revision 3 against revision 4") ||
		!strings.Contains(page, "Revision 4, the newest") {
		t.Errorf("%d diff links for 3 versions, want 2:\n%s", n, page)
	}
}
