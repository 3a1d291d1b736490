package node

import (
	"context"
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
	spam, offTopic, mine := post(c, "Buy now"), post(c, "Off topic"), post(c, "Mine")
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
		if got.Action != w.action || got.Reason != w.reason || got.Title != w.title || got.By != a.id.MemberKey() {
			t.Errorf("entry %d: %+v, want %+v by a", i, got, w)
		}
	}
	if m := log.Items[3].Member; m == nil || *m != c.id.MemberKey() {
		t.Errorf("the role entry names %v, want c", m)
	}
	if tg := log.Items[0].Target; tg == nil || *tg != offTopic {
		t.Errorf("the deletion's target %v, want %s", tg, offTopic)
	}
	first, err := c.ModerationLog(ctx, community, "", 3)
	must(t, err)
	rest, err := c.ModerationLog(ctx, community, first.Next, 3)
	must(t, err)
	if len(first.Items) != 3 || first.Next == "" || len(rest.Items) != 1 || rest.Next != "" || rest.Items[0].Action != "moderator" {
		t.Errorf("pages: %d items, next %q; then %d, next %q", len(first.Items), first.Next, len(rest.Items), rest.Next)
	}
	if _, err := c.ModerationLog(ctx, community, "x", 3); err == nil {
		t.Error("a bad cursor was taken")
	}
}
