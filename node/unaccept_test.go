package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestUnaccept: the asker withdraws the accepted answer and the question
// has none, not the one accepted before it; a member who did not ask
// cannot; an answer a moderator accepted too only a moderator withdraws,
// and then every accept goes.
func TestUnaccept(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t) // a founded the community: a moderator
	community := shareCommunity(t, a, "Answers", b)
	q, err := b.Post(ctx, community, api.PostRequest{Type: "question", Title: "Which pH?", Body: "?"})
	must(t, err)
	x, err := b.Reply(ctx, q, api.ReplyRequest{Body: "6.5"})
	must(t, err)
	y, err := b.Reply(ctx, q, api.ReplyRequest{Body: "7"})
	must(t, err)
	accepted := func(n *Node) protocol.ID {
		d, err := n.Thread(ctx, q)
		must(t, err)
		if d.Accepted == nil {
			return protocol.ID{}
		}
		return *d.Accepted
	}
	_, err = b.Accept(ctx, x)
	must(t, err)
	_, err = b.Accept(ctx, y)
	must(t, err)
	if got := accepted(b); got != y {
		t.Fatalf("accepted %s, want y", got)
	}
	if _, err := b.Unaccept(ctx, x); err != nil { // a reply's id stands for its thread
		t.Fatal(err)
	}
	if got := accepted(b); !got.IsZero() {
		t.Fatalf("after withdrawing, accepted %s (x: %v)", got, got == x)
	}
	if _, err := b.Unaccept(ctx, q); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "has no accepted answer") {
		t.Errorf("withdrawing twice: %v", err)
	}

	// The asker accepts x again, the moderator y: the asker cannot
	// withdraw the moderator's, the moderator withdraws both.
	_, err = b.Accept(ctx, x)
	must(t, err)
	waitFor(t, "b's thread on a", 10*time.Second, func() bool { return accepted(a) == x })
	// Newest wins, by the creation times two nodes gave: b, which made
	// many records within milliseconds, dated them a little ahead.
	time.Sleep(100 * time.Millisecond)
	_, err = a.Accept(ctx, y)
	must(t, err)
	waitFor(t, "a's accept on b", 10*time.Second, func() bool { return accepted(b) == y })
	if _, err := b.Unaccept(ctx, q); !errors.Is(err, api.ErrForbidden) || !strings.Contains(err.Error(), "only a moderator can withdraw it") {
		t.Errorf("the asker withdrawing a moderator's accept: %v", err)
	}
	_, err = a.Unaccept(ctx, q)
	must(t, err)
	waitFor(t, "no accepted answer on b", 10*time.Second, func() bool { return accepted(b).IsZero() })
	if got := accepted(a); !got.IsZero() {
		t.Errorf("after the moderator withdrew, a shows %s accepted", got)
	}

	c := startTestNode(t)
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)
	_, err = c.Join(ctx, code.Code)
	must(t, err)
	_, err = b.Accept(ctx, x)
	must(t, err)
	waitFor(t, "the accept on c", 10*time.Second, func() bool { return accepted(c) == x })
	if _, err := c.Unaccept(ctx, q); !errors.Is(err, api.ErrForbidden) {
		t.Errorf("a member who did not ask withdrawing: %v", err)
	}

	// An accept made by a moderator since demoted still stands (the rules
	// judge it by its author's standing then): the asker cannot withdraw
	// it, and is told so rather than told it is done.
	_, err = a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "moderator"})
	must(t, err)
	waitFor(t, "c a moderator on c", 10*time.Second, func() bool {
		return c.store.Membership(community).Standing(c.id.MemberKey()).Moderates()
	})
	time.Sleep(100 * time.Millisecond)
	_, err = c.Accept(ctx, y)
	must(t, err)
	_, err = a.SetRole(ctx, community, api.RoleRequest{Member: c.id.MemberKey(), Action: "revoke"})
	must(t, err)
	waitFor(t, "c's accept and demotion on b", 10*time.Second, func() bool {
		return accepted(b) == y && !b.store.Membership(community).Standing(c.id.MemberKey()).Moderates()
	})
	if _, err := b.Unaccept(ctx, q); !errors.Is(err, api.ErrForbidden) {
		t.Errorf("withdrawing past a demoted moderator's accept: %v (accepted now %s)", err, accepted(b))
	}
}
