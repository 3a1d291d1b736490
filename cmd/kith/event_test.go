package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// waitEvents waits until cond holds of a node's upcoming events.
func waitEvents(t *testing.T, d *daemon, community, what string, cond func([]api.Event) bool) []api.Event {
	t.Helper()
	return waitJSON(t, d, what, cond, "event", "list", community)
}

// TestEvents: meetings announced on one daemon are listed soonest first on
// the other, past ones only with --past; answers are counted (a later one
// replaces an earlier one); the author links the agenda note, then the
// minutes; only the author may change the event.
func TestEvents(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Guild")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)
	// Joining again fetches the history again, and says it changed nothing.
	if r := b.run(t, "community", "join", code); r.code != 0 || !strings.Contains(r.stderr, "you were a member of Guild already (member)") {
		t.Errorf("joining again: exit %d, %q", r.code, r.stderr)
	}

	agenda := a.createdID(t, "note", "new", community, "--title", "Agenda, December call", "--body", "1. Incidents")
	soon := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	later := time.Now().Add(7 * 24 * time.Hour).Format("2006-01-02T15:04")
	past := time.Now().Add(-48 * time.Hour).Format(time.RFC3339)
	dir := t.TempDir()
	slides, handout := filepath.Join(dir, "slides.pdf"), filepath.Join(dir, "handout.txt")
	must(t, os.WriteFile(slides, []byte("%PDF-1.4 slides"), 0o600))
	must(t, os.WriteFile(handout, []byte("read this first"), 0o600))
	call := a.createdID(t, "event", "new", community, "--title", "December call", "--start", soon, "--where", "https://meet.example.org/guild", "--agenda", agenda, "--attach", slides)
	a.createdID(t, "event", "new", community, "--title", "Workshop", "--start", later, "--where", "Room 4")
	if r := a.run(t, "event", "new", community, "--title", "Last month", "--start", past); r.code != 0 || !strings.Contains(r.stderr, "note: it is over already") {
		t.Errorf("a past event: exit %d, %q", r.code, r.stderr)
	}
	es := waitEvents(t, b, community, "two upcoming events on b", func(es []api.Event) bool { return len(es) == 2 })
	if es[0].Title != "December call" || es[1].Title != "Workshop" || es[0].Link == "" || es[1].Place != "Room 4" {
		t.Errorf("upcoming: %+v", es)
	}
	if es[0].Agenda == nil || es[0].Agenda.String() != agenda {
		t.Errorf("agenda link: %v", es[0].Agenda)
	}
	if len(es[0].Files) != 1 || es[0].Files[0].Name != "slides.pdf" {
		t.Errorf("the event's files: %+v", es[0].Files)
	}
	a.createdID(t, "event", "edit", call, "--attach", handout) // adds to the files it has
	es = waitEvents(t, b, community, "the second file on b", func(es []api.Event) bool { return len(es[0].Files) == 2 })
	if es[0].Files[0].Name != "slides.pdf" || es[0].Files[1].Name != "handout.txt" {
		t.Errorf("the event's files after the edit: %+v", es[0].Files)
	}
	if r := a.run(t, "event", "edit", call, "--where", "https://meet.example.org/guild"); r.code == 0 || !strings.Contains(r.stderr, "that changes nothing") {
		t.Errorf("an edit that changes nothing: exit %d, %q", r.code, r.stderr)
	}
	// Emptying a field is said with --clear; a field given and cleared, or
	// one that cannot be emptied, is refused.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--clear", "where", "--where", "Room 2"}, "where is both given and cleared"},
		{[]string{"--clear", "title"}, `cannot clear "title"`},
	} {
		if r := a.run(t, append([]string{"event", "edit", call}, c.args...)...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("event edit %v: exit %d, %q", c.args, r.code, r.stderr)
		}
	}
	a.createdID(t, "event", "edit", call, "--clear", "where", "--clear", "tags")
	waitEvents(t, b, community, "the place and tags emptied on b", func(es []api.Event) bool {
		return len(es) > 0 && es[0].Link == "" && es[0].Place == "" && len(es[0].Tags) == 0
	})
	a.createdID(t, "event", "edit", call, "--where", "https://meet.example.org/guild")
	over := waitJSON(t, b, "the past event on b", func(es []api.Event) bool { return len(es) == 1 }, "event", "list", "--past", community)
	if over[0].Title != "Last month" {
		t.Errorf("past events: %+v", over)
	}
	// The start is shown with its zone: a list read across time zones
	// (or pasted into a chat) says which hour it means.
	if out := b.mustRun(t, "event", "list", "--past", community); !strings.Contains(out, "Last month") || strings.Contains(out, "Workshop") ||
		!strings.Contains(out, time.UnixMilli(over[0].Start).Format("2006-01-02 15:04 MST")) {
		t.Errorf("past events as a table:\n%s", out)
	}

	a.stop(t) // a is away while b answers
	b.createdID(t, "event", "rsvp", call, "maybe")
	b.createdID(t, "event", "rsvp", call, "yes") // replaces maybe
	a = startDaemonAt(t, a.home)
	a.createdID(t, "event", "rsvp", call, "no")
	es = waitEvents(t, a, community, "the answers on a", func(es []api.Event) bool { return es[0].Yes == 1 && es[0].No == 1 })
	if es[0].Maybe != 0 || es[0].Mine != "no" {
		t.Errorf("answers on a: %+v", es[0])
	}

	minutes := b.createdID(t, "note", "new", community, "--title", "Minutes, December call", "--body", "Decided: rotate monthly.")
	waitNote(t, a, minutes, "the minutes on a", func(n api.NoteDetail) bool { return n.Title != "" })
	if r := b.run(t, "event", "edit", call, "--minutes", minutes); r.code == 0 || !strings.Contains(r.stderr, "only its author") {
		t.Errorf("edit of someone else's event: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "event", "edit", call, "--minutes", minutes)
	es = waitEvents(t, b, community, "the minutes linked on b", func(es []api.Event) bool { return es[0].Minutes != nil })
	if es[0].Minutes.String() != minutes || es[0].Agenda == nil || es[0].Yes != 1 {
		t.Errorf("after the edit: %+v", es[0])
	}
	// The agenda and minutes show in text too, by title, not only in
	// --json; so do who announced it and who answered what.
	bKey := b.memberKey(t)
	if out := b.mustRun(t, "event", "show", call); !strings.Contains(out, "December call\n") || !strings.Contains(out, `agenda:  "Agenda, December call", note `+agenda[:12]) ||
		!strings.Contains(out, `minutes: "Minutes, December call", note `+minutes[:12]) || !strings.Contains(out, "answers: 1 yes") || !strings.Contains(out, "link:    https://meet.example.org/guild") ||
		!strings.Contains(out, "by:      "+a.memberKey(t)[:12]) || !strings.Contains(out, "  yes:   "+bKey[:12]) {
		t.Errorf("event show:\n%s", out)
	}
	ev := decode[api.Event](t, b.mustRun(t, "event", "show", call, "--json"))
	if len(ev.Answers) != 2 || ev.Answers[0].Member.String() != bKey || ev.Answers[0].Answer != "yes" || ev.Answers[1].Answer != "no" || ev.AgendaTitle != "Agenda, December call" {
		t.Errorf("event show --json: answers %+v, agenda title %q", ev.Answers, ev.AgendaTitle)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"event", "rsvp", call, "perhaps"}, "want yes, no or maybe"},
		{[]string{"event", "new", community, "--title", "x", "--start", "tomorrow"}, "want a time like"},
		{[]string{"event", "new", community, "--title", "x", "--start", "2031-02-30T10:00"}, `"2031-02-30T10:00" is no such date or time (day out of range)`},
		{[]string{"event", "new", community, "--title", "x", "--start", "2031-01-02T25:00"}, `is no such date or time (hour out of range)`},
		{[]string{"event", "edit", call, "--agenda", call}, "not a note of this community"},
		{[]string{"event", "new", community, "--title", "Backwards", "--start", "2031-01-02T10:00:00Z", "--end", "2031-01-02T09:00:00Z"},
			"event ends (2031-01-02 09:00 +00:00) before it starts (2031-01-02 10:00 +00:00)"},
		// In the zone the times were given in, seconds or not.
		{[]string{"event", "new", community, "--title", "Backwards", "--start", "2031-01-02T10:00+09:00", "--end", "2031-01-02T09:00+09:00"},
			"event ends (2031-01-02 09:00 +09:00) before it starts (2031-01-02 10:00 +09:00)"},
	} {
		if r := a.run(t, tc.args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, r.code, r.stderr)
		}
	}
}

// TestWithLocalZone: a time typed without a zone is sent in the caller's
// zone, whatever zone the daemon runs in.
func TestWithLocalZone(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.FixedZone("EST", -5*3600)
	for in, want := range map[string]string{
		"2027-03-06T10:00":          "2027-03-06T10:00:00-05:00",
		"2027-03-06 10:00":          "2027-03-06T10:00:00-05:00",
		"2027-03-06T10:00:00+01:00": "2027-03-06T10:00:00+01:00",
		"tomorrow":                  "tomorrow",
		"":                          "",
	} {
		if got := withLocalZone(in); got != want {
			t.Errorf("withLocalZone(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEventWhen: an end equal to the start is not repeated.
func TestEventWhen(t *testing.T) {
	start := time.Date(2026, 12, 3, 15, 0, 0, 0, time.Local)
	moment := eventWhen(api.Event{Start: start.UnixMilli(), End: start.UnixMilli()})
	if strings.Contains(moment, " to ") {
		t.Errorf("an event ending as it starts: %q", moment)
	}
	if span := eventWhen(api.Event{Start: start.UnixMilli(), End: start.Add(time.Hour).UnixMilli()}); !strings.Contains(span, "15:00") || !strings.Contains(span, " to ") || !strings.Contains(span, "16:00") {
		t.Errorf("an event of an hour: %q", span)
	}
}
