package node

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
// of its own: it does not see itself a member, cannot write, does not
// list the community, and no member's node sees it admitted. (It saw itself a member on its own
// copy, wrote posts no one took, and served that copy to the member's
// other devices.) The refusal says why, in the refusing node's words.
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
	// Why, in the founder's node's words, not "stream reset" nor a guess;
	// forbidden, not an internal error.
	if !strings.Contains(err.Error(), "the member's node "+a.PeerID().String()+" refused your join: the invite of your code is used up (1 of 1 joins)") ||
		strings.Contains(err.Error(), "stream reset") || !errors.Is(err, api.ErrForbidden) {
		t.Errorf("the refusal does not say why: %v", err)
	}
	if s := standingOn(g, board, g); s != protocol.StandingNone {
		t.Errorf("g sees itself %s after a refused join", s)
	}
	if cs, _ := g.Communities(ctx); len(cs) != 0 {
		t.Errorf("a refused join leaves %+v listed", cs)
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
	if cs, _ := g.Communities(ctx); len(cs) != 0 {
		t.Errorf("a join no one took leaves %+v listed", cs)
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

// TestJoinAgainSaysWhy: a join run again by a member says what stands:
// a removed member of an invite-only community is told of the removal
// (members' nodes refuse theirs, so no new code helps), and an admitted
// member whose inviter is offline is told they stay a member.
func TestJoinAgainSaysWhy(t *testing.T) {
	ctx := context.Background()
	aHome := home.Home{Dir: t.TempDir()}
	a, err := Start(ctx, Config{Home: aHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	b, c := startTestNode(t), startTestNode(t)
	board := shareClosedCommunity(t, a, "Board", b, c)
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "remove"})
	must(t, err)
	// By gossip if b's subscription reached a's node in time, else from
	// the next sync, which a's node refuses with the removal's proof.
	waitFor(t, "b's node learns of the removal", 20*time.Second, func() bool { return standingOn(b, board, b) == protocol.StandingRemoved })
	code, err := a.Invite(ctx, board, api.InviteRequest{Uses: 1})
	must(t, err)
	if _, err := b.Join(ctx, code.Code); err == nil || !strings.Contains(err.Error(), removedMessage) {
		t.Errorf("a removed member joins again: %v", err)
	}

	must(t, a.Close())
	if _, err := c.Join(ctx, code.Code); err == nil || !strings.Contains(err.Error(), "you are a member already, and stay one") {
		t.Errorf("a member joins again with the inviter offline: %v", err)
	}
	if s := standingOn(c, board, c); !s.Admitted() {
		t.Errorf("c, a member, is %s after a join no one answered", s)
	}
}

// TestPromoteOnceAtATime: promotions of one thread sent at once (a double
// click) make one note; the others are refused.
func TestPromoteOnceAtATime(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	c, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Notes"})
	must(t, err)
	thread, err := a.Post(ctx, c, api.PostRequest{Title: "Solder temperature", Body: "350 °C."})
	must(t, err)
	var wg sync.WaitGroup
	var made atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := a.NewNote(ctx, c, api.NoteRequest{From: &thread}); err == nil {
				made.Add(1)
			} else if !strings.Contains(err.Error(), "already the note") {
				t.Errorf("promotion: %v", err)
			}
		})
	}
	wg.Wait()
	if made.Load() != 1 {
		t.Errorf("%d notes made of one thread", made.Load())
	}
}

// TestRechecksCoalesce: control records stored in a burst (a catch-up
// sync brings joins by the hundred) schedule one peer re-check for their
// community, not one each; a record stored once it started schedules
// another.
func TestRechecksCoalesce(t *testing.T) {
	var r rechecks
	c, d := protocol.ID{1}, protocol.ID{2}
	if !r.schedule(c) || r.schedule(c) || r.schedule(c) {
		t.Error("a second re-check was scheduled while one was due")
	}
	if !r.schedule(d) {
		t.Error("another community's re-check waits on the first's")
	}
	r.start(c)
	if !r.schedule(c) {
		t.Error("a record stored after the re-check started scheduled none")
	}
}
