package node

import (
	"context"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// standingOn is who's standing in community c on n's own copy.
func standingOn(n *Node, c protocol.ID, who *Node) protocol.Standing {
	m := n.store.Membership(c)
	if m == nil {
		return protocol.StandingNone
	}
	return m.Standing(who.id.MemberKey())
}

// TestRefusedJoinLeavesNoStanding: the second use of a one-use invite is
// refused by the founder's node, and the refused node keeps no standing
// of its own: it does not see itself a member, cannot write, and no
// member's node sees it admitted. (It saw itself a member on its own
// copy, wrote posts no one took, and served that copy to the member's
// other devices.)
func TestRefusedJoinLeavesNoStanding(t *testing.T) {
	ctx := context.Background()
	a, f, g := startTestNode(t), startTestNode(t), startTestNode(t)
	board, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Board", InviteOnly: true})
	must(t, err)
	code, err := a.Invite(ctx, board, api.InviteRequest{Uses: 1})
	must(t, err)
	_, err = f.Join(ctx, code.Code)
	must(t, err)
	_, err = g.Join(ctx, code.Code)
	if err == nil || !strings.Contains(err.Error(), "not a member yet") {
		t.Fatalf("the second use of a one-use invite: %v", err)
	}
	if s := standingOn(g, board, g); s != protocol.StandingNone {
		t.Errorf("g sees itself %s after a refused join", s)
	}
	if _, err := g.Post(ctx, board, api.PostRequest{Title: "Ghost"}); err == nil {
		t.Error("g posts in a community whose members refused it")
	}
	if s := standingOn(a, board, g); s.Admitted() {
		t.Errorf("the founder's node sees g %s", s)
	}
	if s := standingOn(a, board, f); !s.Admitted() {
		t.Errorf("the founder's node sees f %s", s)
	}
}

// TestJoinRetriedOnceInviterIsBack: a join made while the inviter's node
// is offline saves nothing and says to try again; the same code works
// once the inviter is back. (The join used to be kept, which made this
// node see itself admitted, and a retry then sent no join at all.)
func TestJoinRetriedOnceInviterIsBack(t *testing.T) {
	ctx := context.Background()
	aHome := home.Home{Dir: t.TempDir()}
	a, err := Start(ctx, Config{Home: aHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	board, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Board", InviteOnly: true})
	must(t, err)
	code, err := a.Invite(ctx, board, api.InviteRequest{Uses: 1})
	must(t, err)
	must(t, a.Close())
	g := startTestNode(t)
	if _, err := g.Join(ctx, code.Code); err == nil || !strings.Contains(err.Error(), "try again later") {
		t.Fatalf("a join while the inviter is offline: %v", err)
	}
	if s := standingOn(g, board, g); s != protocol.StandingNone {
		t.Errorf("g sees itself %s after a join no one took", s)
	}
	a, err = Start(ctx, Config{Home: aHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	defer a.Close()
	if _, err := g.Join(ctx, code.Code); err != nil {
		t.Fatalf("the same code once the inviter is back: %v", err)
	}
	if s := standingOn(a, board, g); !s.Admitted() {
		t.Errorf("the founder's node sees g %s", s)
	}
}
