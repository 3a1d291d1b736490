package node

import (
	"context"
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
		{"hide", "", "Buy now"}, // its reason went with it when undone
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
