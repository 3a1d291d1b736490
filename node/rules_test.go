package node

import (
	"context"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestRulesHoldOnEveryNode: records that the API would have refused to
// sign, made anyway by a node that skips its checks (n.publish signs and
// sends whatever it is given), have no effect on any node: an accept by
// someone who is neither asker nor moderator, an edit of someone else's
// post, a hide by a moderator after being removed, a post by a removed
// member.
func TestRulesHoldOnEveryNode(t *testing.T) {
	ctx := context.Background()
	a, b, c := startTestNode(t), startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Rules", b, c)
	nodes := []*Node{a, b, c}
	q, err := a.Post(ctx, community, api.PostRequest{Type: "question", Title: "Original title"})
	if err != nil {
		t.Fatal(err)
	}
	arrived := func(id protocol.ID) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for _, n := range nodes {
			for {
				if _, err := n.store.Get(ctx, id); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("record %s did not reach %s", id, n.PeerID())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	arrived(q)
	r, err := b.Reply(ctx, q, api.ReplyRequest{Body: "An answer"})
	if err != nil {
		t.Fatal(err)
	}
	arrived(r)

	rogueAccept, err := c.publish(ctx, community, protocol.Refs{Root: q, Target: r}, &protocol.Accept{})
	if err != nil {
		t.Fatal(err)
	}
	rogueEdit, err := c.publish(ctx, community, protocol.Refs{Target: q}, &protocol.Post{Type: protocol.PostQuestion, Title: "Hijacked"})
	if err != nil {
		t.Fatal(err)
	}
	arrived(rogueAccept.ID())
	arrived(rogueEdit.ID())
	for _, n := range nodes {
		td, err := n.Thread(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if td.Accepted != nil || td.Title != "Original title" {
			t.Errorf("on %s: accepted %v, title %q: a rogue record took effect", n.PeerID(), td.Accepted, td.Title)
		}
	}

	// b moderates, then is removed, then tries to hide the question and
	// to post.
	bKey := b.id.MemberKey()
	if _, err := a.SetRole(ctx, community, api.RoleRequest{Member: bKey, Action: "moderator"}); err != nil {
		t.Fatal(err)
	}
	remove, err := a.SetRole(ctx, community, api.RoleRequest{Member: bKey, Action: "remove"})
	if err != nil {
		t.Fatal(err)
	}
	arrived(remove)
	hide, err := b.publish(ctx, community, protocol.Refs{Target: q}, &protocol.Hide{})
	if err != nil {
		t.Fatal(err)
	}
	late, err := b.publish(ctx, community, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "After my removal"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // time for them to spread, were they accepted
	for _, n := range nodes {
		titles := map[string]bool{}
		for _, th := range threadsOf(t, n, community) {
			titles[th.Title] = true
		}
		if !titles["Original title"] {
			t.Errorf("on %s: the question is hidden by a removed moderator (%v)", n.PeerID(), titles)
		}
		if titles["After my removal"] {
			t.Errorf("on %s: a removed member's post is shown", n.PeerID())
		}
	}
	for _, id := range []protocol.ID{hide.ID(), late.ID()} {
		for _, n := range []*Node{a, c} {
			if e, err := n.store.Get(ctx, id); err == nil && e.Meta.Status == protocol.StatusAccepted {
				t.Errorf("%s holds record %s as accepted", n.PeerID(), id)
			}
		}
	}
}

// threadsOf lists every thread a node shows in a community.
func threadsOf(t *testing.T, n *Node, c protocol.ID) []api.Thread {
	t.Helper()
	var all []api.Thread
	for cursor := ""; ; {
		page, err := n.Threads(context.Background(), c, api.ThreadQuery{Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if cursor = page.Next; cursor == "" {
			return all
		}
	}
}
