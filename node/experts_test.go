package node

import (
	"context"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestExpertsCountOthersAccepts: an answer counts for its author when
// someone else accepted it (the asker, or a moderator); a moderator who
// accepts their own answer in another's thread gains nothing by it, as an
// asker accepting their own does not (it counted).
func TestExpertsCountOthersAccepts(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community := makeCommunity(t, a, api.CreateCommunityRequest{Name: "Soil"}, b)
	waitFor(t, "b's join on a", 10*time.Second, func() bool { return standingOn(a, community, b) == protocol.StandingMember })
	heldBy := func(id protocol.ID, nodes ...*Node) bool {
		for _, n := range nodes {
			if _, err := n.store.Get(ctx, id); err != nil {
				return false
			}
		}
		return true
	}
	answered := func(asker, answerer, accepter *Node) {
		t.Helper()
		q, err := asker.Post(ctx, community, api.PostRequest{Type: "question", Title: "pH?", Body: "?", Tags: []string{"soil"}})
		must(t, err)
		waitFor(t, "the question everywhere", 10*time.Second, func() bool { return heldBy(q, a, b) })
		r, err := answerer.Reply(ctx, q, api.ReplyRequest{Body: "lime"})
		must(t, err)
		waitFor(t, "the answer everywhere", 10*time.Second, func() bool { return heldBy(r, a, b) })
		acc, err := accepter.Accept(ctx, r)
		must(t, err)
		waitFor(t, "the accept on a", 10*time.Second, func() bool { return heldBy(acc, a) })
	}
	answered(b, a, b) // b asks, a answers, b accepts: counts for a
	answered(b, a, a) // b asks, a (the founder, a moderator) answers and accepts: does not
	answered(a, b, a) // a asks, b answers, a accepts: counts for b
	answered(a, a, a) // a asks, answers and accepts: does not
	experts, err := a.Experts(ctx, community, "soil")
	must(t, err)
	got := make(map[protocol.PublicKey]int)
	for _, e := range experts {
		got[e.Key] = e.Accepted
	}
	if got[a.id.MemberKey()] != 1 || got[b.id.MemberKey()] != 1 {
		t.Errorf("accepted answers: a %d, b %d; want 1 each", got[a.id.MemberKey()], got[b.id.MemberKey()])
	}
}
