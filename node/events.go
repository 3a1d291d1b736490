package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Events: the community's rhythm of meetings, with who comes, and the
// notes that hold their agenda and minutes.

var answers = map[string]protocol.Answer{"yes": protocol.AnswerYes, "no": protocol.AnswerNo, "maybe": protocol.AnswerMaybe}

func answerName(a protocol.Answer) string {
	for name, v := range answers {
		if v == a {
			return name
		}
	}
	return ""
}

// timeLayouts are the forms an event's times are read in: RFC 3339, the
// same without seconds, and a date and time without zone (local time).
var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02 15:04"}

// parseTime reads an event time as unix ms.
func parseTime(what, s string) (int64, error) {
	if t, ok := readTime(s); ok {
		return t.UnixMilli(), nil
	}
	// Written right but not a day or time that is ("2026-02-30",
	// "25:00"): say that, not how to write one.
	for _, layout := range timeLayouts {
		var pe *time.ParseError
		if _, err := time.ParseInLocation(layout, s, time.Local); errors.As(err, &pe) && pe.Message != "" {
			return 0, fmt.Errorf("%w: %s %q is no such date or time (%s)", api.ErrBadRequest, what, s, strings.TrimPrefix(pe.Message, ": "))
		}
	}
	return 0, fmt.Errorf("%w: %s %q: want a time like 2026-12-03T15:00 or 2026-12-03T15:00+01:00", api.ErrBadRequest, what, s)
}

func readTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// zoneOf is the zone the caller gave its times in (the end's, else the
// start's), so that an error shows them as typed; this machine's if none.
func zoneOf(times ...string) *time.Location {
	for _, s := range times {
		if t, ok := readTime(s); ok {
			return t.Location()
		}
	}
	return time.Local
}

// applyEvent copies onto body what req sets, checking the notes it links
// and adding and removing the files it says.
func (n *Node) applyEvent(ctx context.Context, community protocol.ID, body *protocol.Event, req api.EventRequest) error {
	var err error
	if body.Files, err = n.editFiles(body.Files, req.Files, req.Remove); err != nil {
		return err
	}
	if req.Title != "" {
		body.Title = req.Title
	}
	if req.Start != "" {
		if body.Start, err = parseTime("start", req.Start); err != nil {
			return err
		}
	}
	if req.End != "" {
		if body.End, err = parseTime("end", req.End); err != nil {
			return err
		}
	}
	if req.Where != "" {
		if u, err := url.Parse(req.Where); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			body.Link, body.Place = req.Where, ""
		} else {
			body.Place, body.Link = req.Where, ""
		}
	}
	if req.Body != "" {
		body.Text = req.Body
	}
	if req.Tags != nil {
		if body.Tags, err = normalizeTags(req.Tags); err != nil {
			return err
		}
	}
	for _, link := range []struct {
		id   *protocol.ID
		dst  *[]byte
		name string
	}{{req.Agenda, &body.Agenda, "agenda"}, {req.Minutes, &body.Minutes, "minutes"}} {
		if link.id == nil {
			continue
		}
		if _, err := n.store.Note(ctx, community, *link.id); err != nil {
			return fmt.Errorf("%w: the %s %s is not a note of this community (give the note's id, its first revision's)", api.ErrBadRequest, link.name, *link.id)
		}
		*link.dst = link.id[:]
	}
	if err := clearEvent(body, req); err != nil {
		return err
	}
	if body.End != 0 && body.End < body.Start {
		loc := zoneOf(req.End, req.Start)
		return fmt.Errorf("%w: the event ends (%s) before it starts (%s)", api.ErrBadRequest,
			time.UnixMilli(body.End).In(loc).Format("2006-01-02 15:04 -07:00"), time.UnixMilli(body.Start).In(loc).Format("2006-01-02 15:04 -07:00"))
	}
	return nil
}

// clearEvent empties the fields req.Clear names: an edit keeps what it
// leaves empty, so emptying one must be said.
func clearEvent(body *protocol.Event, req api.EventRequest) error {
	given := map[string]bool{"end": req.End != "", "where": req.Where != "", "body": req.Body != "", "tags": len(req.Tags) > 0,
		"agenda": req.Agenda != nil, "minutes": req.Minutes != nil}
	for _, name := range req.Clear {
		if given[name] {
			return fmt.Errorf("%w: %s is both given and cleared", api.ErrBadRequest, name)
		}
		switch name {
		case "end":
			body.End = 0
		case "where":
			body.Place, body.Link = "", ""
		case "body":
			body.Text = ""
		case "tags":
			body.Tags = nil
		case "agenda":
			body.Agenda = nil
		case "minutes":
			body.Minutes = nil
		default:
			return fmt.Errorf("%w: cannot clear %q: only end, where, body, tags, agenda and minutes (an event keeps its title and start)", api.ErrBadRequest, name)
		}
	}
	return nil
}

// NewEvent implements api.Backend.
func (n *Node) NewEvent(ctx context.Context, community protocol.ID, req api.EventRequest) (protocol.ID, error) {
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	if req.Title == "" || req.Start == "" {
		return protocol.ID{}, fmt.Errorf("%w: an event needs a title and a start time", api.ErrBadRequest)
	}
	body := &protocol.Event{}
	if err := n.applyEvent(ctx, community, body, req); err != nil {
		return protocol.ID{}, err
	}
	r, err := n.publish(ctx, community, protocol.Refs{}, body)
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// event finds an event and its current version by the id of either.
func (n *Node) event(ctx context.Context, id protocol.ID) (store.Entry, store.EventView, error) {
	e, err := n.original(ctx, id, "event")
	if err != nil {
		return store.Entry{}, store.EventView{}, err
	}
	if e.Record.Header.Kind != protocol.KindEvent {
		return store.Entry{}, store.EventView{}, fmt.Errorf("%w: %s is %s, not an event", api.ErrBadRequest, id, aOrAn(e.Record.Header.Kind))
	}
	v, err := n.store.Event(ctx, e.Record.Community(), e.Record.ID())
	if errors.Is(err, store.ErrNotFound) {
		return store.Entry{}, store.EventView{}, n.notShown(ctx, "event", e.Record.ID())
	}
	return e, v, err
}

// EditEvent implements api.Backend: a new version of one's own event (to
// move it, or link its minutes once written).
func (n *Node) EditEvent(ctx context.Context, id protocol.ID, req api.EventRequest) (protocol.ID, error) {
	e, v, err := n.event(ctx, id)
	if err != nil {
		return protocol.ID{}, err
	}
	community := e.Record.Community()
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	if e.Record.Header.Author != n.id.MemberKey() {
		return protocol.ID{}, fmt.Errorf("%w: only its author may change an event", api.ErrForbidden)
	}
	body := &protocol.Event{Title: v.Title, Start: v.Start, End: v.End, Place: v.Place, Link: v.Link, Text: v.Text, Tags: v.Tags, Files: v.Files}
	if !v.Agenda.IsZero() {
		body.Agenda = v.Agenda[:]
	}
	if !v.Minutes.IsZero() {
		body.Minutes = v.Minutes[:]
	}
	before := *body
	if err := n.applyEvent(ctx, community, body, req); err != nil {
		return protocol.ID{}, err
	}
	if reflect.DeepEqual(before, *body) {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: that changes nothing: give what changes (title, times, place, text, tags, agenda, minutes or files)", api.ErrBadRequest))
	}
	r, err := n.publish(ctx, community, protocol.Refs{Target: e.Record.ID()}, body)
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// Event implements api.Backend: one event as lists show it.
func (n *Node) Event(ctx context.Context, id protocol.ID) (api.Event, error) {
	e, v, err := n.event(ctx, id)
	if err != nil {
		return api.Event{}, err
	}
	ev := n.eventJSON(ctx, e.Record.Community(), v)
	order := map[protocol.Answer]int{protocol.AnswerYes: 0, protocol.AnswerMaybe: 1, protocol.AnswerNo: 2}
	for k, a := range v.RSVPs {
		name := answerName(a)
		if name == "" {
			continue
		}
		ans := api.EventAnswer{Member: k, Answer: name}
		if m, err := n.store.Member(ctx, ev.Community, k); err == nil {
			ans.Name = m.Name
		}
		ev.Answers = append(ev.Answers, ans)
	}
	slices.SortFunc(ev.Answers, func(a, b api.EventAnswer) int {
		if c := cmp.Compare(order[answers[a.Answer]], order[answers[b.Answer]]); c != 0 {
			return c
		}
		if c := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return a.Member.Compare(b.Member)
	})
	return ev, nil
}

// Events implements api.Backend: events not over yet, soonest first.
func (n *Node) Events(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Events, error) {
	return n.events(ctx, community, n.store.UpcomingEvents, cursor, limit)
}

// PastEvents implements api.Backend: events over, the latest first.
func (n *Node) PastEvents(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Events, error) {
	return n.events(ctx, community, n.store.PastEvents, cursor, limit)
}

func (n *Node) events(ctx context.Context, community protocol.ID, list func(context.Context, protocol.ID, int64, string, int) (store.Page[store.EventView], error),
	cursor string, limit int) (api.Events, error) {
	if _, err := n.community(community); err != nil {
		return api.Events{}, err
	}
	page, err := list(ctx, community, n.now(), cursor, limit)
	if errors.Is(err, store.ErrBadCursor) {
		return api.Events{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if err != nil {
		return api.Events{}, err
	}
	out := api.Events{Items: []api.Event{}, Next: page.Next}
	for _, v := range page.Items {
		out.Items = append(out.Items, n.eventJSON(ctx, community, v))
	}
	return out, nil
}

func (n *Node) eventJSON(ctx context.Context, community protocol.ID, v store.EventView) api.Event {
	ev := api.Event{ID: v.Event, Community: community, Author: v.Author, Title: v.Title, Start: v.Start, End: v.End,
		Place: v.Place, Link: v.Link, Body: v.Text, Tags: v.Tags, Yes: v.Yes, No: v.No, Maybe: v.Maybe,
		Mine: answerName(v.RSVPs[n.id.MemberKey()]), Files: filesOf(v.Files), Over: !v.Upcoming(n.now())}
	n.markFiles(ev.Files)
	if m, err := n.store.Member(ctx, community, v.Author); err == nil {
		ev.AuthorName = m.Name
	}
	if v.Current != v.Event && !v.Current.IsZero() {
		if e, err := n.store.Get(ctx, v.Current); err == nil {
			ev.Edited = e.Record.Header.Created
		}
	}
	// A note deleted or hidden since is not linked: its link would lead
	// nowhere.
	for _, l := range []struct {
		id    protocol.ID
		dst   **protocol.ID
		title *string
	}{{v.Agenda, &ev.Agenda, &ev.AgendaTitle}, {v.Minutes, &ev.Minutes, &ev.MinutesTitle}} {
		if l.id.IsZero() {
			continue
		}
		if d, err := n.store.Note(ctx, community, l.id); err == nil {
			id := l.id
			*l.dst, *l.title = &id, d.View.Title
		}
	}
	return ev
}

// RSVP implements api.Backend: this member's answer; a later one replaces
// it.
func (n *Node) RSVP(ctx context.Context, event protocol.ID, req api.RSVPRequest) (protocol.ID, error) {
	answer, ok := answers[strings.ToLower(req.Answer)]
	if !ok {
		return protocol.ID{}, fmt.Errorf("%w: answer %q: want yes, no or maybe", api.ErrBadRequest, req.Answer)
	}
	e, v, err := n.event(ctx, event)
	if err != nil {
		return protocol.ID{}, err
	}
	if _, err := n.member(e.Record.Community()); err != nil {
		return protocol.ID{}, err
	}
	if v.RSVPs[n.id.MemberKey()] == answer {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: your answer is %s already", api.ErrBadRequest, answerName(answer)))
	}
	r, err := n.publish(ctx, e.Record.Community(), protocol.Refs{Target: e.Record.ID()}, &protocol.RSVP{Answer: answer})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}
