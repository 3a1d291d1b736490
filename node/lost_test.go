package node

import (
	"context"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// TestDeletionThatNoLongerHoldsGivesTheTextBack: b, a moderator, deletes
// the founder's post while away, not knowing the founder had revoked its
// role. b's node purges the post's text; once the revocation reaches it,
// the deletion no longer holds, and its next sync takes the text back
// from the founder's node, which never took the deletion. (It was gone
// from b's node for good, shown as a live post with no text, and no sync,
// import or check brought it back.)
func TestDeletionThatNoLongerHoldsGivesTheTextBack(t *testing.T) {
	ctx := context.Background()
	aHome, bHome := home.Home{Dir: t.TempDir()}, home.Home{Dir: t.TempDir()}
	start := func(h home.Home) *Node {
		t.Helper()
		n, err := Start(ctx, Config{Home: h, Loopback: true, API: "127.0.0.1:0"})
		must(t, err)
		return n
	}
	a, b := start(aHome), start(bHome)
	board := shareClosedCommunity(t, a, "Board", b)
	post, err := a.Post(ctx, board, api.PostRequest{Title: "Budget 2027", Body: "The numbers, line by line."})
	must(t, err)
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "moderator"})
	must(t, err)
	waitFor(t, "b's node sees the post and b a moderator", 20*time.Second, func() bool {
		_, err := b.store.Get(ctx, post)
		return err == nil && standingOn(b, board, b) == protocol.StandingModerator
	})
	must(t, b.Close())
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "revoke"})
	must(t, err)
	must(t, a.Close())

	// b, alone, still a moderator to itself, deletes the post.
	b = start(bHome)
	_, err = b.Delete(ctx, post, api.ModerationRequest{Reason: "misfiled"})
	must(t, err)
	if e, err := b.store.Get(ctx, post); err != nil || !e.Record.Purged() {
		t.Fatalf("b's copy after b's deletion: purged %v, %v", e.Record.Purged(), err)
	}

	a = start(aHome)
	defer a.Close()
	defer b.Close()
	_, err = b.Connect(ctx, a.Addrs()[0])
	must(t, err)
	waitFor(t, "b's node hears of the revocation", 20*time.Second, func() bool { return standingOn(b, board, b) == protocol.StandingMember })
	waitFor(t, "b's node has the post's text again", 20*time.Second, func() bool {
		if _, err := b.SyncCommunity(ctx, board, true); err != nil {
			return false
		}
		d, err := b.Thread(ctx, post)
		return err == nil && d.Body == "The numbers, line by line."
	})
	// The founder's node never took the deletion.
	if d, err := a.Thread(ctx, post); err != nil || d.Body != "The numbers, line by line." {
		t.Errorf("the founder's copy: %q %v", d.Body, err)
	}
	if ids, err := b.store.Lost(ctx, board, 10); err != nil || len(ids) != 0 {
		t.Errorf("b's node still counts lost: %v %v", ids, err)
	}
	rep, err := b.store.Check(ctx)
	must(t, err)
	if len(rep.Problems) > 0 {
		t.Errorf("b's store: %v", rep.Problems)
	}
}
