package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
)

// TestEventsFormAndRSVP: a member announces an event with the form
// (datetime-local fields read in this machine's time zone), sees it
// listed with its time, link, Markdown description and no answers, says
// yes with its button and sees the count and their answer, then changes
// it to maybe. Events that are over are listed on their own page.
func TestEventsFormAndRSVP(t *testing.T) {
	ctx := browser(t)
	a := startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Meetups"})
	must(t, err)
	events := uiBase(a) + "/c/" + community.String() + "/events"
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	end := start.Add(90 * time.Minute)

	login(t, ctx, a)
	do(t, ctx, "open events", chromedp.Navigate(events), chromedp.WaitVisible(`form.event-form`))
	if got := text(t, ctx, `#live`); !strings.Contains(got, "No upcoming events") {
		t.Errorf("events before any: %q", got)
	}
	do(t, ctx, "fill the event form",
		chromedp.SendKeys(`form.event-form input[name=title]`, "Certificate clinic"),
		chromedp.SetValue(`form.event-form input[name=start]`, start.Format("2006-01-02T15:04")),
		chromedp.SetValue(`form.event-form input[name=end]`, end.Format("2006-01-02T15:04")),
		chromedp.SendKeys(`form.event-form input[name=where]`, "https://meet.example/kith"),
		chromedp.SendKeys(`form.event-form textarea[name=body]`, "Bring **questions** about renewals."),
		chromedp.SendKeys(`form.event-form input[name=tags]`, "TLS, meetup"),
		chromedp.Submit(`form.event-form input[name=title]`),
		chromedp.WaitVisible(`article.event`))
	if got := text(t, ctx, `article.event h1.event-title`); got != "Certificate clinic" {
		t.Errorf("event title %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector("article.event .event-when time").getAttribute("datetime")`); got != start.Format(time.RFC3339) {
		t.Errorf("start as listed: %q, want %q (the form's time in this machine's zone)", got, start.Format(time.RFC3339))
	}
	when := text(t, ctx, `article.event .event-when`)
	if !strings.Contains(when, start.Format("Mon 2 Jan 2006, 15:04")) || !strings.Contains(when, end.Format("15:04")) {
		t.Errorf("when: %q", when)
	}
	if got := eval[string](t, ctx, `document.querySelector("article.event .event-where a").getAttribute("href")`); got != "https://meet.example/kith" {
		t.Errorf("link %q", got)
	}
	if got := text(t, ctx, `article.event .event-body strong`); got != "questions" {
		t.Errorf("description not rendered as Markdown: strong %q", got)
	}
	if got := text(t, ctx, `article.event .event-counts`); got != "0 yes · 0 maybe · 0 no" {
		t.Errorf("counts before answering: %q", got)
	}
	if got := text(t, ctx, `article.event .event-mine`); got != "You have not answered." {
		t.Errorf("my answer before answering: %q", got)
	}

	do(t, ctx, "say yes", chromedp.Click(`article.event form.event-rsvp button[value=yes]`), chromedp.WaitVisible(`article.event .event-mine strong`))
	if got := text(t, ctx, `article.event .event-counts`); got != "1 yes · 0 maybe · 0 no" {
		t.Errorf("counts after yes: %q", got)
	}
	if got := text(t, ctx, `article.event .event-mine`); got != "Your answer: yes" {
		t.Errorf("my answer: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('article.event button[value=yes][aria-pressed=true]').length`); n != 1 {
		t.Errorf("the yes button is not shown as chosen (%d)", n)
	}
	// Who answered what shows on the event's page.
	if got := text(t, ctx, `article.event .event-answers`); !strings.HasPrefix(got, "yes") || !strings.Contains(got, memberKey(t, a).String()[:12]) {
		t.Errorf("who answered: %q", got)
	}
	screenshot(t, ctx, "events")

	do(t, ctx, "say maybe", chromedp.Click(`article.event form.event-rsvp button[value=maybe]`),
		chromedp.WaitVisible(`article.event button[value=maybe][aria-pressed=true]`))
	if got := text(t, ctx, `article.event .event-counts`); got != "0 yes · 1 maybe · 0 no" {
		t.Errorf("counts after maybe: %q", got)
	}
	evs, err := a.Events(bg, community, "", 10)
	must(t, err)
	if len(evs.Items) != 1 || evs.Items[0].Start != start.UnixMilli() || evs.Items[0].End != end.UnixMilli() ||
		evs.Items[0].Mine != "maybe" || strings.Join(evs.Items[0].Tags, ",") != "tls,meetup" {
		t.Errorf("the node holds %+v", evs.Items)
	}

	// Events that are over are on a page of their own, without answers.
	_, err = a.NewEvent(bg, community, api.EventRequest{Title: "Last week's clinic", Start: time.Now().Add(-7 * 24 * time.Hour).Format(time.RFC3339)})
	must(t, err)
	// The event's page leads to the list, which lists it with a link to
	// its page.
	do(t, ctx, "open the list", chromedp.Click(`a[href$="/events"]:not(nav a)`), chromedp.WaitVisible(`#events li.event`))
	if got := eval[string](t, ctx, `document.querySelector("#events .event-title a").getAttribute("href")`); got != "/e/"+evs.Items[0].ID.String() {
		t.Errorf("the list links the event to %q", got)
	}
	do(t, ctx, "open past events", chromedp.Click(`a[href$="events?past=1"]`), chromedp.WaitVisible(`#events li.event`))
	if got := text(t, ctx, `#events`); !strings.Contains(got, "Last week's clinic") || strings.Contains(got, "Certificate clinic") {
		t.Errorf("past events: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#events form.event-rsvp, form.event-form').length`); n != 0 {
		t.Errorf("the past events page has %d answer or announce forms", n)
	}
}

// TestEventsBadInput: a missing title or start, a time that is not one,
// an end before the start, an unknown community or event, a bad id and a
// bad answer give error pages that say what is wrong; nothing is stored.
func TestEventsBadInput(t *testing.T) {
	a := startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Careful"})
	must(t, err)
	s := newSession(t, a)
	c := "/c/" + community.String()
	unknown := strings.Repeat("ef", 32)
	for _, tc := range []struct {
		path string
		form url.Values
		code int
		want string
	}{
		{c + "/events", url.Values{"start": {"2031-01-02T10:00"}}, http.StatusBadRequest, "needs a title"},
		{c + "/events", url.Values{"title": {"No time"}}, http.StatusBadRequest, "needs a start time"},
		{c + "/events", url.Values{"title": {"Bad time"}, "start": {"next tuesday"}}, http.StatusBadRequest, "is not a date and time"},
		{c + "/events", url.Values{"title": {"Bad end"}, "start": {"2031-01-02T10:00"}, "end": {"2031-13-02T10:00"}}, http.StatusBadRequest, "the end"},
		{c + "/events", url.Values{"title": {"Backwards"}, "start": {"2031-01-02T10:00"}, "end": {"2031-01-02T09:00"}}, http.StatusBadRequest, "the event ends (2031-01-02 09:00 "},
		{"/c/" + unknown + "/events", url.Values{"title": {"Nowhere"}, "start": {"2031-01-02T10:00"}}, http.StatusNotFound, "Not Found"},
		{"/c/nope/events", url.Values{"title": {"Nowhere"}, "start": {"2031-01-02T10:00"}}, http.StatusNotFound, "is not an id"},
		{"/e/" + unknown + "/rsvp", url.Values{"answer": {"yes"}}, http.StatusNotFound, "no event"},
		{"/e/nope/rsvp", url.Values{"answer": {"yes"}}, http.StatusNotFound, "is not an id"},
		{"/e/" + unknown + "/rsvp", url.Values{"answer": {"perhaps"}}, http.StatusBadRequest, "want yes, no or maybe"},
	} {
		code, _, body := s.post(tc.path, s.base, tc.form)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %v: %d, want %d with %q: %.300s", tc.path, tc.form, code, tc.code, tc.want, body)
		}
	}
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/c/" + unknown + "/events", http.StatusNotFound, "Not Found"},
		{"/c/x/events", http.StatusNotFound, "is not an id"},
		{c + "/events?cursor=bogus!", http.StatusBadRequest, "cursor"},
	} {
		if code, _, body := s.get(tc.path); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want %d with %q: %.300s", tc.path, code, tc.code, tc.want, body)
		}
	}
	if code, _, _ := s.post(c+"/events", "http://evil.example", url.Values{"title": {"Forged"}, "start": {"2031-01-02T10:00"}}); code != http.StatusForbidden {
		t.Errorf("event form from another origin: %d", code)
	}
	evs, err := a.Events(bg, community, "", 10)
	must(t, err)
	if len(evs.Items) != 0 {
		t.Errorf("refused forms stored events: %+v", evs.Items)
	}
	// A good one goes to its page.
	code, loc, body := s.post(c+"/events", s.base, url.Values{"title": {"Fine"}, "start": {"2031-01-02T10:00"}, "where": {"javascript:alert(1)"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/e/") {
		t.Fatalf("a good event: %d %q %s", code, loc, body)
	}
	id := strings.TrimPrefix(loc, "/e/")
	// So does one announced after it happened, saying it is over.
	code, loc, body = s.post(c+"/events", s.base, url.Values{"title": {"Last week's call"}, "start": {"2026-01-02T10:00"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/e/") {
		t.Errorf("a past event: %d %q %s", code, loc, body)
	} else if code, _, body := s.get(loc); code != http.StatusOK || !strings.Contains(body, "Last week&#39;s call") || !strings.Contains(body, "(over)") ||
		strings.Contains(body, "Will you come?") {
		t.Errorf("the past event's page: %d %.3000s", code, body)
	}
	if code, loc, body := s.post("/e/"+id+"/rsvp", s.base, url.Values{"answer": {"no"}, "back": {"//evil.example/"}}); code != http.StatusSeeOther || loc != "/" {
		t.Errorf("rsvp with a foreign back: %d %q %s", code, loc, body)
	}
	_, _, body = s.get(c + "/events")
	if !strings.Contains(body, "Where: javascript:alert(1)") || strings.Contains(body, `href="javascript`) {
		t.Errorf("a place that looks like a link is shown as text: %.2000s", body)
	}
}

// TestHostilePeopleAndEvents: a profile and events written on another
// node, full of markup meant to run or restyle the page, arrive by
// replication and are shown as text or sanitised Markdown: nothing runs,
// and the page holds no inline script, event handler, javascript: link,
// svg, iframe or style made of them.
func TestHostilePeopleAndEvents(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Open doors", Domain: "testing people"})
	bg := context.Background()
	keyB := memberKey(t, b)
	const (
		name = `<script>window.pwned=1</script><img src=x onerror="window.pwned=1;document.title='pwned'">`
		org  = `<svg onload="window.pwned=1"><style>*{display:none}</style></svg><iframe src="javascript:window.pwned=1">`
		text = "<script>window.pwned=1;document.title='pwned'</script>\n\n" +
			"<img src=x onerror=\"window.pwned=1\">\n\n" +
			"[click me](javascript:window.pwned=1) and <a href=\"javascript:window.pwned=1\">raw</a>\n\n" +
			"<svg onload=\"window.pwned=1\"><circle r=5></circle></svg>\n\n" +
			"<style>body{display:none}</style>\n\n" +
			"<iframe src=\"javascript:window.pwned=1\"></iframe>\n\n" +
			"<div <p>broken <b>html <i onclick=\"window.pwned=1\">unclosed\n\n" +
			"![x](javascript:window.pwned=1) <object data=\"javascript:window.pwned=1\"></object>\n\n" +
			"**still Markdown**"
		place = `javascript:window.pwned=1 <script>window.pwned=1</script>`
		link  = `https://evil.example/?q="><img src=x onerror=window.pwned=1><script>window.pwned=1</script>`
	)
	_, err := b.SetProfile(bg, api.ProfileRequest{Name: name, Org: org,
		Expertise: []string{"<script>alert(1)</script>", "javascript:alert(1)"}, Bio: text})
	must(t, err)
	start := time.Now().Add(24 * time.Hour).Format(time.RFC3339)
	_, err = b.NewEvent(bg, community, api.EventRequest{Title: name, Start: start, Where: place, Body: text, Tags: []string{"<b>x</b>"}})
	must(t, err)
	_, err = b.NewEvent(bg, community, api.EventRequest{Title: `<svg onload="window.pwned=1">`, Start: start, Where: link, Body: text})
	must(t, err)
	peopleProfileOn(t, a, community, keyB, name)
	eventually(t, "b's events on a", func() bool {
		evs, err := a.Events(bg, community, "", 10)
		return err == nil && len(evs.Items) == 2
	})

	c := uiBase(a) + "/c/" + community.String()
	login(t, ctx, a)
	const dangerous = `main script, script:not([src]), main [onerror], main [onload], main [onclick], ` +
		`main a[href^="javascript"], main img[src^="javascript"], main svg, main iframe, main object, main style`
	for _, page := range []struct {
		name, path, wait string
		shown            []string
	}{
		{"directory", "/people", "#people", []string{name, org, "script-alert-1-script", "javascript-alert-1"}},
		{"who knows", "/people?topic=javascript-alert-1", ".people-experts-list", []string{name, "declared expertise"}},
		{"profile", "/people/" + keyB.String(), ".people-bio", []string{name, org, "still Markdown", "click me"}},
		{"events", "/events", "#events", []string{name, place, link, `<svg onload="window.pwned=1">`, "still Markdown"}},
	} {
		do(t, ctx, "open "+page.name, chromedp.Navigate(c+page.path), chromedp.WaitVisible(page.wait), chromedp.Sleep(300*time.Millisecond))
		main := eval[string](t, ctx, `document.querySelector("main").innerText`)
		for _, want := range page.shown {
			if !strings.Contains(main, want) {
				t.Errorf("%s: %q is not shown as text", page.name, want)
			}
		}
		if pwned := eval[bool](t, ctx, `typeof window.pwned !== "undefined"`); pwned {
			t.Errorf("%s: a payload ran", page.name)
		}
		if title := eval[string](t, ctx, `document.title`); title == "pwned" || !strings.HasSuffix(title, "· Kith") {
			t.Errorf("%s: title %q", page.name, title)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('`+dangerous+`').length`); n != 0 {
			html := eval[string](t, ctx, `Array.from(document.querySelectorAll('`+dangerous+`')).map(e => e.outerHTML).join("\n")`)
			t.Errorf("%s: %d dangerous elements: %s", page.name, n, html)
		}
		if hidden := eval[bool](t, ctx, `getComputedStyle(document.body).display === "none"`); hidden {
			t.Errorf("%s: a style from the content applied", page.name)
		}
	}
	// The only link made of the hostile "where"s is the http one, its
	// quotes and brackets escaped.
	href := eval[string](t, ctx, `Array.from(document.querySelectorAll("#events .event-where a")).map(a => a.getAttribute("href")).join("|")`)
	if !strings.HasPrefix(href, "https://evil.example/?q=") || strings.ContainsAny(href, `"<>| `) {
		t.Errorf("event links: %q, want only the escaped %q", href, link)
	}
	screenshot(t, ctx, "events-hostile")
}

// TestEventEdit (plain HTTP): the author changes an event from the UI:
// the form is filled with the current version, the change moves it and
// links its agenda and minutes notes, which the events page then links;
// another member sees no "Change" link and may not change it.
func TestEventEdit(t *testing.T) {
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Clinic"})
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	event, err := a.NewEvent(bg, community, api.EventRequest{Title: "Repair clinic", Start: start.Format(time.RFC3339), Where: "Hall B", Tags: []string{"repair"}})
	must(t, err)
	agenda, err := a.NewNote(bg, community, api.NoteRequest{Title: "Clinic agenda", Body: "1. Kettles"})
	must(t, err)
	minutes, err := a.NewNote(bg, community, api.NoteRequest{Title: "Clinic minutes", Body: "Fixed 3 kettles."})
	must(t, err)
	s := newSession(t, a)
	edit := "/e/" + event.String() + "/edit"
	code, _, page := s.get(edit)
	if code != http.StatusOK || !strings.Contains(page, `value="Repair clinic"`) || !strings.Contains(page, `value="`+start.Local().Format("2006-01-02T15:04")+`"`) ||
		!strings.Contains(page, `value="Hall B"`) || !strings.Contains(page, "Clinic agenda") {
		t.Fatalf("the edit form: %d %.500s", code, page)
	}
	moved := start.Add(time.Hour).Local().Format("2006-01-02T15:04")
	code, loc, page := s.post(edit, s.base, url.Values{"title": {"Repair clinic"}, "start": {moved}, "where": {"Hall B"}, "tags": {"repair"},
		"agenda": {agenda.String()}, "minutes": {minutes.String()}})
	if code != http.StatusSeeOther || loc != "/e/"+event.String() {
		t.Fatalf("the edit: %d %s %.300s", code, loc, page)
	}
	ev, err := a.Event(bg, event)
	must(t, err)
	if !time.UnixMilli(ev.Start).Equal(start.Add(time.Hour)) || ev.Agenda == nil || *ev.Agenda != agenda || ev.Minutes == nil || *ev.Minutes != minutes {
		t.Errorf("the event after the edit: %+v", ev)
	}
	_, _, list := s.get("/c/" + community.String() + "/events")
	if !strings.Contains(list, `Agenda: <a href="/n/`+agenda.String()+`">Clinic agenda</a>`) || !strings.Contains(list, `Minutes: <a href="/n/`+minutes.String()+`">Clinic minutes</a>`) ||
		!strings.Contains(list, `href="`+edit+`"`) {
		t.Errorf("the events page does not link the agenda, the minutes and the change form")
	}
	// Nothing changed: back to the event, nothing written.
	same := url.Values{"title": {"Repair clinic"}, "start": {moved}, "where": {"Hall B"}, "tags": {"repair"}, "agenda": {agenda.String()}, "minutes": {minutes.String()}}
	if code, loc, page := s.post(edit, s.base, same); code != http.StatusSeeOther || loc != "/e/"+event.String() {
		t.Errorf("an edit that changes nothing: %d %s %.300s", code, loc, page)
	}
	if ev2, err := a.Event(bg, event); err != nil || !reflect.DeepEqual(ev2, ev) {
		t.Errorf("an edit that changes nothing changed the event: %+v, was %+v (%v)", ev2, ev, err)
	}
	// A note deleted since is not linked; fields emptied in the form are
	// emptied.
	_, err = a.Delete(bg, minutes, api.ModerationRequest{})
	must(t, err)
	if _, _, list := s.get("/c/" + community.String() + "/events"); strings.Contains(list, `href="/n/`+minutes.String()+`"`) {
		t.Error("the events page links the deleted minutes")
	}
	code, _, page = s.post(edit, s.base, url.Values{"title": {"Repair clinic"}, "start": {moved}, "where": {""}, "tags": {""}, "agenda": {""}, "minutes": {""}})
	if code != http.StatusSeeOther {
		t.Fatalf("emptying fields: %d %.300s", code, page)
	}
	if ev, err := a.Event(bg, event); err != nil || ev.Place != "" || len(ev.Tags) != 0 || ev.Agenda != nil || ev.Minutes != nil {
		t.Errorf("the event after emptying its fields: %+v %v", ev, err)
	}
	// Another member: no link, and refused.
	eventually(t, "b has the event", func() bool { _, err := b.Event(bg, event); return err == nil })
	sb := newSession(t, b)
	// Both the list and the event's page say who announced it.
	for _, path := range []string{"/c/" + community.String() + "/events", "/e/" + event.String()} {
		if _, _, page := sb.get(path); !strings.Contains(page, `Announced by <a href="/c/`+community.String()+`/people/`+ev.Author.String()+`">`) {
			t.Errorf("%s does not say who announced the event", path)
		}
	}
	if _, _, list := sb.get("/c/" + community.String() + "/events"); strings.Contains(list, `href="`+edit+`"`) {
		t.Error("another member is offered to change the event")
	}
	if code, _, _ := sb.post(edit, sb.base, url.Values{"title": {"Mine now"}}); code != http.StatusForbidden {
		t.Errorf("another member changing the event: %d", code)
	}
	if code, _, page := sb.get(edit); code != http.StatusForbidden || !strings.Contains(page, "only its author") {
		t.Errorf("another member opening the change form: %d", code)
	}
}

// TestEventFormSavedUnchanged: the edit form of an event written
// elsewhere (the CLI: a start with seconds, a text with "\n" line ends),
// saved as the browser sends it ("\r\n", times to the minute), writes
// nothing; a description left blank is emptied.
func TestEventFormSavedUnchanged(t *testing.T) {
	a := startNode(t)
	bg := context.Background()
	community, err := a.CreateCommunity(bg, api.CreateCommunityRequest{Name: "Clinic"})
	must(t, err)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute).Add(17 * time.Second)
	event, err := a.NewEvent(bg, community, api.EventRequest{Title: "Repair clinic", Start: start.Format(time.RFC3339),
		End: start.Add(time.Hour).Format(time.RFC3339), Body: "line one\nline two\n"})
	must(t, err)
	before, err := a.Event(bg, event)
	must(t, err)
	s := newSession(t, a)
	edit := "/e/" + event.String() + "/edit"
	shown := func(ms int64) string { return time.UnixMilli(ms).Local().Format("2006-01-02T15:04") } // as the form shows it
	form := url.Values{"title": {"Repair clinic"}, "start": {shown(before.Start)}, "end": {shown(before.End)},
		"body": {"line one\r\nline two\r\n"}}
	if code, loc, page := s.post(edit, s.base, form); code != http.StatusSeeOther || loc != "/e/"+event.String() {
		t.Fatalf("the form saved unchanged: %d %s %.300s", code, loc, page)
	}
	if after, err := a.Event(bg, event); err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("the form saved unchanged changed the event: %+v, was %+v (%v)", after, before, err)
	}
	form.Set("body", "\r\n ")
	if code, loc, page := s.post(edit, s.base, form); code != http.StatusSeeOther || loc != "/e/"+event.String() {
		t.Fatalf("a blank description: %d %s %.300s", code, loc, page)
	}
	if after, err := a.Event(bg, event); err != nil || after.Body != "" || after.Start != before.Start {
		t.Errorf("after a blank description: %+v (%v)", after, err)
	}
}
