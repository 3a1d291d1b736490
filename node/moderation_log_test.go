package node

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestModerationLog: the log lists what moderators did, newest first,
// with reasons and what each acted on; an author deleting their own
// record, and a role record by a member who does not moderate (which
// the rules ignore), are not moderation; pages follow the cursor.
func TestModerationLog(t *testing.T) {
	ctx := context.Background()
	a, c := startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Moderated", c)
	post := func(n *Node, title string) protocol.ID {
		id, err := n.Post(ctx, community, api.PostRequest{Title: title, Body: "text"})
		must(t, err)
		waitFor(t, title+" on a", 10*time.Second, func() bool { _, err := a.store.Get(ctx, id); return err == nil })
		return id
	}
	spam, offTopic, mine, dup := post(c, "Buy now"), post(c, "Off topic"), post(c, "Mine"), post(a, "Twice")
	steps := []func() error{
		func() error {
			_, err := a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "moderator", Reason: "helps a lot"})
			return err
		},
		func() error { _, err := a.Hide(ctx, spam, api.ModerationRequest{Reason: "spam"}); return err },
		func() error { _, err := a.Unhide(ctx, spam, api.ModerationRequest{Reason: "a real offer"}); return err },
		func() error {
			_, err := a.Delete(ctx, offTopic, api.ModerationRequest{Reason: "off-topic"})
			return err
		},
		func() error {
			_, err := c.Delete(ctx, mine, api.ModerationRequest{Reason: "changed my mind"})
			return err
		},
		// c, a moderator then, deletes a's post; demoted later, c stays
		// accountable for it.
		func() error { _, err := c.Delete(ctx, dup, api.ModerationRequest{Reason: "a duplicate"}); return err },
		func() error {
			_, err := a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "revoke", Reason: "stepped down"})
			return err
		},
	}
	for _, step := range steps {
		must(t, step())
		time.Sleep(5 * time.Millisecond) // distinct times, for the order
	}
	// A role record from a member who does not moderate takes no effect.
	d := startTestNode(t)
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)
	_, err = d.Join(ctx, code.Code)
	must(t, err)
	_, err = d.publish(ctx, community, protocol.Refs{}, &protocol.Role{Member: d.id.MemberKey(), Action: protocol.RoleModerator, Reason: "self-appointed"})
	must(t, err)

	want := []struct {
		action, reason, title string
	}{
		{"revoke", "stepped down", ""},
		{"delete", "a duplicate", "a post"},
		{"delete", "off-topic", "a post"}, // its title went with its body
		{"unhide", "a real offer", "Buy now"},
		{"hide", "spam", "Buy now"}, // undone, with its reason
		{"moderator", "helps a lot", ""},
	}
	var log api.ModerationLog
	defer func() {
		if t.Failed() {
			for _, it := range log.Items {
				t.Logf("%+v", it)
			}
		}
	}()
	waitFor(t, "the moderation log on c", 10*time.Second, func() bool {
		log, err = c.ModerationLog(ctx, community, "", 50)
		return err == nil && len(log.Items) == len(want)
	})
	for i, w := range want {
		got := log.Items[i]
		by := a.id.MemberKey()
		if i == 1 {
			by = c.id.MemberKey()
		}
		if got.Action != w.action || got.Reason != w.reason || got.Title != w.title || got.By != by {
			t.Errorf("entry %d: %+v, want %+v by %s", i, got, w, by)
		}
	}
	if m := log.Items[5].Member; m == nil || *m != c.id.MemberKey() {
		t.Errorf("the role entry names %v, want c", m)
	}
	if tg := log.Items[2].Target; tg == nil || *tg != offTopic {
		t.Errorf("the deletion's target %v, want %s", tg, offTopic)
	}
	first, err := c.ModerationLog(ctx, community, "", 4)
	must(t, err)
	rest, err := c.ModerationLog(ctx, community, first.Next, 4)
	must(t, err)
	if len(first.Items) != 4 || first.Next == "" || len(rest.Items) != 2 || rest.Next != "" || rest.Items[1].Action != "moderator" {
		t.Errorf("pages: %d items, next %q; then %d, next %q", len(first.Items), first.Next, len(rest.Items), rest.Next)
	}
	if _, err := c.ModerationLog(ctx, community, "x", 3); err == nil {
		t.Error("a bad cursor was taken")
	}
	// The log is kept between reads, and read again once a record came.
	before, err := a.ModerationLog(ctx, community, "", 50)
	must(t, err)
	again, err := a.ModerationLog(ctx, community, "", 50)
	must(t, err)
	_, err = a.Hide(ctx, post(a, "Late"), api.ModerationRequest{Reason: "late"})
	must(t, err)
	after, err := a.ModerationLog(ctx, community, "", 50)
	must(t, err)
	if len(again.Items) != len(before.Items) || len(after.Items) != len(before.Items)+1 || after.Items[0].Reason != "late" {
		t.Errorf("log read %d, %d, then after a hide %d entries (newest %+v)", len(before.Items), len(again.Items), len(after.Items), after.Items[0])
	}
	for _, c := range []struct {
		cursor string
		limit  int
	}{{"9223372036854775807", 3}, {"1", math.MaxInt}, {"9223372036854775807", math.MaxInt}} {
		if page, err := a.ModerationLog(ctx, community, c.cursor, c.limit); err != nil || page.Next != "" {
			t.Errorf("cursor %s, limit %d: %d items, next %q, %v", c.cursor, c.limit, len(page.Items), page.Next, err)
		}
	}
}

// TestHidesInForceOnly: the log and Unhide count only hides that took
// effect. A demoted moderator cannot undo their hide (the API refuses, a
// deletion they write anyway is without effect, and the log says
// nothing of it), a hide by a member who does not moderate is not
// listed, and the moderator who shows the record again undoes the hide
// in force only.
func TestHidesInForceOnly(t *testing.T) {
	ctx := context.Background()
	a, c := startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Moderated", c)
	p1, err := a.Post(ctx, community, api.PostRequest{Title: "Rotas", Body: "text"})
	must(t, err)
	p2, err := a.Post(ctx, community, api.PostRequest{Title: "Keys", Body: "text"})
	must(t, err)
	_, err = a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "moderator"})
	must(t, err)
	waitFor(t, "c a moderator with both posts", 10*time.Second, func() bool {
		_, err := c.store.Get(ctx, p2)
		return err == nil && standingOn(c, community, c) == protocol.StandingModerator
	})
	hide, err := c.Hide(ctx, p1, api.ModerationRequest{Reason: "c hides"})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	_, err = a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "revoke"})
	must(t, err)
	waitFor(t, "c demoted on c, the hide on a", 10*time.Second, func() bool {
		_, err := a.store.Get(ctx, hide)
		return err == nil && standingOn(c, community, c) == protocol.StandingMember
	})
	if _, err := c.Delete(ctx, hide, api.ModerationRequest{}); !errors.Is(err, api.ErrForbidden) {
		t.Errorf("a demoted moderator deletes their hide: %v", err)
	}
	// Written anyway (another client, an older version): no effect.
	_, err = c.publish(ctx, community, protocol.Refs{Target: hide}, &protocol.Tombstone{Reason: "undo"})
	must(t, err)
	_, err = c.publish(ctx, community, protocol.Refs{Target: p2}, &protocol.Hide{Reason: "not a moderator"})
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	waitFor(t, "c's records on a", 10*time.Second, func() bool {
		tombs, err := a.store.ByKind(ctx, community, protocol.KindTombstone, "", 10)
		hides, err2 := a.store.ByKind(ctx, community, protocol.KindHide, "", 10)
		return err == nil && err2 == nil && len(tombs.Items) == 1 && len(hides.Items) == 2
	})
	for _, n := range []*Node{a, c} {
		e1, err1 := n.store.Get(ctx, p1)
		e2, err2 := n.store.Get(ctx, p2)
		if err1 != nil || err2 != nil || !e1.Meta.Hidden || e2.Meta.Hidden {
			t.Errorf("hidden: p1 %v, p2 %v (%v %v)", e1.Meta.Hidden, e2.Meta.Hidden, err1, err2)
		}
	}
	_, err = a.Unhide(ctx, p1, api.ModerationRequest{Reason: "fine after all"})
	must(t, err)
	want := []struct{ action, reason string }{{"unhide", "fine after all"}, {"revoke", ""}, {"hide", "c hides"}, {"moderator", ""}}
	var log api.ModerationLog
	waitFor(t, "the log on c", 10*time.Second, func() bool {
		log, err = c.ModerationLog(ctx, community, "", 50)
		return err == nil && len(log.Items) > 0 && log.Items[0].Action == "unhide"
	})
	if len(log.Items) != len(want) {
		t.Errorf("%d entries, want %d", len(log.Items), len(want))
	}
	for i, w := range want {
		if i < len(log.Items) && (log.Items[i].Action != w.action || log.Items[i].Reason != w.reason) {
			t.Errorf("entry %d: %s %q, want %s %q", i, log.Items[i].Action, log.Items[i].Reason, w.action, w.reason)
		}
	}
	if e, err := c.store.Get(ctx, p1); err != nil || e.Meta.Hidden {
		t.Errorf("p1 after the unhide: hidden %v, %v", e.Meta.Hidden, err)
	}
}
