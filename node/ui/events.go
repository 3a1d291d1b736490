package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Events: a community's upcoming meetings, who comes, and the form that
// announces one.

// eventsPageSize is the events one page shows.
const eventsPageSize = 20

// eventRow is an event as the page shows it, its times in this machine's
// time zone.
type eventRow struct {
	api.Event
	// When is start and end for people; StartISO the start for
	// <time datetime>.
	When, StartISO string
	// SafeLink is set when the event's "where" is an http(s) address, to be
	// shown as a link; otherwise Place is shown as text.
	SafeLink string
	// Own is set when this node's member wrote the event (and may change
	// it); Back is the page its forms return to; Single is set on the
	// event's own page, whose heading is its title.
	Own    bool
	Back   string
	Single bool
	// By names who announced it.
	By string
}

type eventsPage struct {
	Community api.Community
	Events    []eventRow
	Cursor    string
	Next      string
	// Zone names this machine's time zone, in which the form's times are
	// read and the events' times shown.
	Zone string
	Live protocol.ID
	// Past lists the events that are over, the latest first, instead.
	Past bool
}

// events lists a community's events that have not ended yet, soonest
// first, with a form to announce one; with ?past=1, those that are over,
// the latest first.
func (s *Server) events(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	cursor := r.URL.Query().Get("cursor")
	past := r.URL.Query().Get("past") == "1"
	list := s.backend.Events
	if past {
		list = s.backend.PastEvents
	}
	page, err := list(r.Context(), id, cursor, eventsPageSize)
	if err != nil {
		return "", nil, err
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	names, err := s.authorNames(r, id)
	if err != nil {
		return "", nil, err
	}
	p := eventsPage{Community: c, Cursor: cursor, Next: page.Next, Zone: localZoneName(time.Now()), Live: id, Past: past}
	here := r.URL.Path
	if q := r.URL.RawQuery; q != "" {
		here += "?" + q
	}
	for _, e := range page.Items {
		row := eventView(e)
		row.Own, row.Back, row.By = e.Author == st.MemberKey, here+"#e-"+e.ID.String(), who(names, e.Author)
		p.Events = append(p.Events, row)
	}
	return "events", p, nil
}

// eventOnePage is one event on a page of its own: where links to it go
// (search, the forms that write it), whichever page of the list holds it.
type eventOnePage struct {
	Community  api.Community
	Event      eventRow
	Moderation moderation
}

// pathEvent is the event the request's path names.
func (s *Server) pathEvent(r *http.Request) (api.Event, error) {
	id, err := pathID(r)
	if err != nil {
		return api.Event{}, err
	}
	ev, err := s.backend.Event(r.Context(), id)
	return ev, s.noPageFor(r, err)
}

// event shows one event.
func (s *Server) event(r *http.Request) (string, any, error) {
	ev, err := s.pathEvent(r)
	if err != nil {
		return "", nil, err
	}
	id := ev.ID
	c, err := s.findCommunity(r, ev.Community)
	if err != nil {
		return "", nil, err
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	names, err := s.authorNames(r, c.ID)
	if err != nil {
		return "", nil, err
	}
	row := eventView(ev)
	row.Own, row.Back, row.Single, row.By = ev.Author == st.MemberKey, "/e/"+id.String(), true, who(names, ev.Author)
	back := "/c/" + c.ID.String() + "/events"
	return "event", eventOnePage{Community: c, Event: row,
		Moderation: moderation{Back: back, Target: id, Own: row.Own, Moderates: moderates(c.Standing)}}, nil
}

// localZoneName says which time zone t is in, e.g. "CET, UTC+01:00".
func localZoneName(t time.Time) string {
	name, _ := t.Zone()
	offset := t.Format("UTC-07:00")
	if name == "" || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") || name == "UTC" {
		return offset
	}
	return name + ", " + offset
}

func eventView(e api.Event) eventRow {
	row := eventRow{Event: e}
	start := time.UnixMilli(e.Start).Local()
	row.StartISO = start.Format(time.RFC3339)
	row.When = start.Format("Mon 2 Jan 2006, 15:04")
	if e.End > e.Start { // an end equal to the start is a moment: not "15:00 – 15:00"
		end := time.UnixMilli(e.End).Local()
		if end.Year() == start.Year() && end.YearDay() == start.YearDay() {
			row.When += " – " + end.Format("15:04")
		} else {
			row.When += " – " + end.Format("Mon 2 Jan 2006, 15:04")
		}
	}
	row.When += " (" + localZoneName(start) + ")"
	if u, err := url.Parse(e.Link); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		row.SafeLink = e.Link
	}
	return row
}

// datetimeLocal reads a <input type="datetime-local"> value, which has no
// zone, as a time in this machine's time zone, and returns it as RFC 3339.
func datetimeLocal(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", fmt.Errorf("%w: the %s %q is not a date and time like 2026-12-03T15:00", api.ErrBadRequest, field, v)
}

// datetimeLocalValue is a time (unix ms; 0 for none) as the value of a
// <input type="datetime-local">: to the minute, in this machine's zone.
func datetimeLocalValue(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).Local().Format("2006-01-02T15:04")
}

// eventForm reads the event form (new or edit): its times in this
// machine's zone; empty fields are left empty (an edit keeps them).
func eventForm(r *http.Request) (api.EventRequest, error) {
	f := r.PostForm
	req := api.EventRequest{Title: strings.TrimSpace(f.Get("title")), Where: strings.TrimSpace(f.Get("where")),
		Body: f.Get("body"), Tags: splitComma(f.Get("tags")), Files: uploaded(r)}
	var err error
	if req.Remove, err = formIDs(r, "remove", "a file to remove"); err != nil {
		return req, err
	}
	if strings.TrimSpace(f.Get("start")) != "" {
		if req.Start, err = datetimeLocal("start", f.Get("start")); err != nil {
			return req, err
		}
	}
	if strings.TrimSpace(f.Get("end")) != "" {
		// An end before the start is refused by the node, in these
		// times' zone.
		if req.End, err = datetimeLocal("end", f.Get("end")); err != nil {
			return req, err
		}
	}
	for _, link := range []struct {
		field string
		to    **protocol.ID
	}{{"agenda", &req.Agenda}, {"minutes", &req.Minutes}} {
		if v := strings.TrimSpace(f.Get(link.field)); v != "" {
			id, err := protocol.ParseID(v)
			if err != nil {
				return req, fmt.Errorf("%w: %s: %v", api.ErrBadRequest, link.field, err)
			}
			*link.to = &id
		}
	}
	return req, nil
}

// newEvent announces an event from the form.
func (s *Server) newEvent(r *http.Request) (string, error) {
	community, err := pathID(r)
	if err != nil {
		return "", err
	}
	req, err := eventForm(r)
	if err != nil {
		return "", err
	}
	if req.Title == "" {
		return "", fmt.Errorf("%w: an event needs a title", api.ErrBadRequest)
	}
	if req.Start == "" {
		return "", fmt.Errorf("%w: an event needs a start time", api.ErrBadRequest)
	}
	id, err := s.backend.NewEvent(r.Context(), community, req)
	if err != nil {
		return "", err
	}
	return eventPage(id), nil
}

// eventPage is the page of event id.
func eventPage(id protocol.ID) string { return "/e/" + id.String() }

// eventEditPage is the form that changes one's own event, filled with
// its current version.
type eventEditPage struct {
	Community  api.Community
	Event      eventRow
	Start, End string // for <input type="datetime-local">, in this machine's zone
	Where      string
	Zone       string
	// Notes are the community's most recently updated notes, to link as
	// the agenda or the minutes.
	Notes []api.Note
}

// eventEditNotes is how many notes the edit form offers as agenda or
// minutes.
const eventEditNotes = 100

func (s *Server) eventEdit(r *http.Request) (string, any, error) {
	ev, err := s.pathEvent(r)
	if err != nil {
		return "", nil, err
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	if ev.Author != st.MemberKey {
		return "", nil, fmt.Errorf("%w: only its author may change an event", api.ErrForbidden)
	}
	c, err := s.findCommunity(r, ev.Community)
	if err != nil {
		return "", nil, err
	}
	notes, err := s.backend.Notes(r.Context(), ev.Community, "", eventEditNotes)
	if err != nil {
		return "", nil, err
	}
	p := eventEditPage{Community: c, Event: eventView(ev), Start: datetimeLocalValue(ev.Start), End: datetimeLocalValue(ev.End), Where: ev.Place,
		Zone: localZoneName(time.Now()), Notes: notes.Items}
	// The notes linked now are offered even when older than the list, or
	// saving would unlink them.
	for _, linked := range []*protocol.ID{ev.Agenda, ev.Minutes} {
		if linked != nil && !slices.ContainsFunc(p.Notes, func(n api.Note) bool { return n.ID == *linked }) {
			p.Notes = append(p.Notes, api.Note{ID: *linked, Title: "(the note linked now)"})
		}
	}
	if ev.Link != "" {
		p.Where = ev.Link
	}
	return "event_edit", p, nil
}

// editEvent writes a new version of one's own event from the edit form,
// then shows it in its list.
func (s *Server) editEvent(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	req, err := eventForm(r)
	if err != nil {
		return "", err
	}
	// The form shows every field: one left empty (or blank) is one to
	// empty.
	for _, name := range []string{"end", "where", "body", "tags", "agenda", "minutes"} {
		if strings.TrimSpace(r.PostForm.Get(name)) == "" {
			req.Clear = append(req.Clear, name)
		}
	}
	if slices.Contains(req.Clear, "body") {
		req.Body = ""
	}
	// The form shows times to the minute: one it gives back as shown
	// keeps the event's own (which may have seconds, from the CLI), or
	// saving the form unchanged would move the event.
	ev, err := s.backend.Event(r.Context(), id)
	if err != nil {
		return "", err
	}
	for _, t := range []struct {
		field string
		given *string
		now   int64
	}{{"start", &req.Start, ev.Start}, {"end", &req.End, ev.End}} {
		if t.now != 0 && strings.TrimSpace(r.PostForm.Get(t.field)) == datetimeLocalValue(t.now) {
			*t.given = ""
		}
	}
	if _, err := s.backend.EditEvent(r.Context(), id, req); failed(err) {
		return "", err
	}
	return eventPage(id), nil
}

// rsvp records this member's answer to an event, then goes back.
func (s *Server) rsvp(r *http.Request) (string, error) {
	event, err := pathID(r)
	if err != nil {
		return "", err
	}
	answer := r.PostForm.Get("answer")
	switch answer {
	case "yes", "no", "maybe":
	default:
		return "", fmt.Errorf("%w: answer %q: want yes, no or maybe", api.ErrBadRequest, answer)
	}
	if _, err := s.backend.RSVP(r.Context(), event, api.RSVPRequest{Answer: answer}); failed(err) {
		return "", err
	}
	return backTo(r, "/"), nil
}
