package node

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
	"github.com/libp2p/go-libp2p/core/network"
	libp2pprotocol "github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
)

// TestRemovedMemberGetsNoLiveGossip: once a moderator removes a member of
// an invite-only community, the member's node, though still connected,
// receives none of the community's new posts; a member who stays gets
// them (so gossip was working).
func TestRemovedMemberGetsNoLiveGossip(t *testing.T) {
	ctx := context.Background()
	a, b, c := startTestNode(t), startTestNode(t), startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Closed", InviteOnly: true})
	must(t, err)
	for _, n := range []*Node{b, c} {
		code, err := a.Invite(ctx, community, api.InviteRequest{})
		must(t, err)
		_, err = n.Join(ctx, code.Code)
		must(t, err)
	}
	for _, n := range []*Node{b, c} {
		deadline := time.Now().Add(10 * time.Second)
		for !slices.Contains(a.gossip.Peers(community), n.PeerID()) {
			if time.Now().After(deadline) {
				t.Fatal("the members' nodes never joined the founder's topic")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	_, err = a.SetRole(ctx, community, api.RoleRequest{Member: protocol.PublicKeyOf(b.id.Member), Action: "remove"})
	must(t, err)
	waitFor(t, "every member's node drops b's", 10*time.Second, func() bool {
		for _, n := range []*Node{a, c} {
			if n.allowPeer(community, b.PeerID()) || slices.Contains(n.gossip.Peers(community), b.PeerID()) {
				return false
			}
		}
		return true
	})
	fctx, fcancel := context.WithCancel(ctx)
	defer fcancel()
	feed, _ := b.Feed(fctx)
	go func() {
		for ev := range feed {
			if ev.Record != nil {
				t.Logf("b stored %s %s via %s status %s", ev.Record.Kind, ev.Record.ID.String()[:8], ev.Record.Via, ev.Record.Status)
			}
		}
	}()
	post, err := a.Post(ctx, community, api.PostRequest{Title: "After the removal", Body: "not for b"})
	must(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.store.Get(ctx, post); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the member who stays never got the post")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // b would have had it by now
	if _, err := b.store.Get(ctx, post); err == nil {
		m := scrape(t, b)
		t.Errorf("the removed member's node received a post made after the removal: gossip %v sync %v fetch %v",
			m[`kith_records_ingested_total{status="accepted",via="gossip"}`], m[`kith_records_ingested_total{status="accepted",via="sync"}`], m[`kith_records_ingested_total{status="accepted",via="fetch"}`])
	}
}

// TestRemovedWhileAwayLearnsOnReturn: a member's node that was offline
// when a moderator removed the member learns of the removal when it comes
// back, from the first member's node it syncs with (which refuses it the
// community and sends the proof instead), and then says why it cannot
// post rather than writing records no one takes.
func TestRemovedWhileAwayLearnsOnReturn(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	bHome := home.Home{Dir: t.TempDir()}
	b, err := Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	board := shareClosedCommunity(t, a, "Board", b)
	must(t, b.Close())
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "remove", Reason: "left the board"})
	must(t, err)

	// Read from b's store before it starts: once started, it may hear at
	// once (it dials a from its peer book as it starts).
	st, err := store.Open(filepath.Join(bHome.Dir, home.StoreDir), store.Options{})
	must(t, err)
	if s := st.Membership(board).Standing(b.id.MemberKey()); s != protocol.StandingMember {
		t.Fatalf("b starts as %s, want member (it has not heard yet)", s)
	}
	// What b writes meanwhile, not knowing, no one will take.
	unaware, err := protocol.Sign(b.id.Member, board, time.Now().UnixMilli(), protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "Minutes of Tuesday", Text: "Draft: budget approved."})
	must(t, err)
	if out, err := st.Put(ctx, unaware); err != nil || out.Status != protocol.StatusAccepted {
		t.Fatalf("b's post before it knows: %+v %v", out, err)
	}
	must(t, st.Close())
	log := new(logBuffer)
	b, err = Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(log, nil))})
	must(t, err)
	defer b.Close()
	waitFor(t, "b's node learns of the removal", 20*time.Second, func() bool { return standingOn(b, board, b) == protocol.StandingRemoved })
	waitFor(t, "b's log says so, with the community's name and the reason", 5*time.Second, func() bool {
		return strings.Contains(log.String(), "a moderator removed you from a community") && strings.Contains(log.String(), "community=Board") &&
			strings.Contains(log.String(), "reason=\"left the board\"")
	})
	// The post it wrote unaware leaves the threads, and is listed as
	// unshared instead of vanishing.
	if ts, err := b.Threads(ctx, board, api.ThreadQuery{}); err != nil || slices.ContainsFunc(ts.Items, func(th api.Thread) bool { return th.ID == unaware.ID() }) {
		t.Errorf("b's threads still list the post written after the removal (%v)", err)
	}
	un, err := b.Unshared(ctx, board, "", 10)
	if err != nil || len(un.Items) != 1 || un.Items[0].ID != unaware.ID() || un.Items[0].Title != "Minutes of Tuesday" || un.Items[0].Text != "Draft: budget approved." || un.Items[0].Kind != "post" {
		t.Errorf("b's unshared records: %+v %v", un.Items, err)
	}
	if cs, err := b.Communities(ctx); err != nil || len(cs) != 1 || cs[0].Unshared != 1 {
		t.Errorf("b's community counts %+v unshared (%v), want 1", cs, err)
	}
	// A profile has nowhere to go: not kept for a community to come.
	if ans, err := b.SetProfile(ctx, api.ProfileRequest{Name: "Bo"}); err == nil || ans.Kept || !strings.Contains(err.Error(), "member of none of the 1 communities") {
		t.Errorf("b sets a profile after its removal: %+v %v", ans, err)
	}
	if _, err := b.Post(ctx, board, api.PostRequest{Title: "Still here?"}); err == nil || !strings.Contains(err.Error(), removedMessage) {
		t.Errorf("b posts after learning of its removal: %v", err)
	}
	if s := standingOn(a, board, b); s != protocol.StandingRemoved {
		t.Errorf("the founder's node sees b %s", s)
	}
	if cs, err := a.Communities(ctx); err != nil || len(cs) != 1 || cs[0].Members != 1 || cs[0].Unshared != 0 {
		t.Errorf("the founder's node counts members %+v (%v), want 1: the removed member is not one", cs, err)
	}
	// A sync the member asks for says it was refused, not "fetched 0".
	ans, err := b.SyncCommunity(ctx, board, true)
	must(t, err)
	if len(ans.Results) == 0 || !strings.Contains(ans.Results[0].Error, "does not share the community") {
		t.Errorf("a refused sync: %+v", ans.Results)
	}
	// With no member's node connected, it says why rather than "connect
	// to one".
	must(t, a.Close())
	waitFor(t, "b's node sees no peer in the topic", 10*time.Second, func() bool { return len(b.gossip.Peers(board)) == 0 })
	if _, err := b.SyncCommunity(ctx, board, true); err == nil || !strings.Contains(err.Error(), "a moderator removed you") {
		t.Errorf("sync with no peer, removed: %v", err)
	}
}

// TestRemovalNoticeOnlyInSync11: a removed member's node that speaks
// sync 1.0.0 (an older version) gets the accept frame it expects, no
// removal notice; in 1.1.0 the notice comes first.
func TestRemovalNoticeOnlyInSync11(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	board := shareClosedCommunity(t, a, "Board", b)
	_, err := a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "remove"})
	must(t, err)
	// Once a's node has dropped b's from the community's topic, which
	// closes their connection (and reopens it): a stream opened meanwhile
	// would be cut.
	waitFor(t, "a's node drops b's from the topic", 10*time.Second, func() bool {
		return !slices.Contains(a.gossip.Peers(board), b.PeerID())
	})
	a.dropRedials.mu.Lock()
	_, dropped := a.dropRedials.last[b.PeerID()]
	a.dropRedials.mu.Unlock()
	if dropped {
		waitFor(t, "a's node reconnected to b's", 10*time.Second, func() bool {
			return a.host.Network().Connectedness(b.PeerID()) == network.Connected
		})
	}
	salt := make([]byte, 16)
	h := salted(salt, board)
	hello := append(slices.Clone(salt), h[:]...)
	for proto, want := range map[libp2pprotocol.ID]byte{syncProtocolV1: frameAccept, syncProtocol: frameRemoved} {
		// A session the reconnection started may be under way: a's node
		// answers that it is busy with b's (1.1.0) until it ends.
		var kind byte
		var err error
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			s, f := sendHello(t, b, a, proto, hello)
			kind, _, err = f.recv(frameAccept, frameRemoved, frameBusy)
			s.Reset()
			if kind != frameBusy || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || kind != want {
			t.Errorf("%s: first frame %q (%v), want %q", proto, kind, err, want)
		}
	}
}

// TestReadmittedMemberBackInTheTopic: a member's node that connected
// while its member stood removed (its subscription to the community's
// topic refused) is taken into the topic once the member is admitted
// again, without reconnecting by itself: the founder's node redials it,
// its records go live to it again rather than by sync alone, and it
// learns of the re-admission at once.
func TestReadmittedMemberBackInTheTopic(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	bHome := home.Home{Dir: t.TempDir()}
	b, err := Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	board := shareClosedCommunity(t, a, "Board", b)
	must(t, b.Close())
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "remove"})
	must(t, err)
	b, err = Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	defer b.Close()
	waitFor(t, "b's node learns of the removal", 20*time.Second, func() bool { return standingOn(b, board, b) == protocol.StandingRemoved })
	if slices.Contains(a.gossip.Peers(board), b.PeerID()) {
		t.Fatal("a removed member's node is in the topic")
	}
	_, err = a.SetRole(ctx, board, api.RoleRequest{Member: b.id.MemberKey(), Action: "admit"})
	must(t, err)
	waitFor(t, "b back in a's topic", 20*time.Second, func() bool { return slices.Contains(a.gossip.Peers(board), b.PeerID()) })
	// And b hears of it at the new connection's sync, whichever side
	// starts it, not at its next offer 10 minutes on.
	waitFor(t, "b's node learns it is admitted again", 10*time.Second, func() bool { return standingOn(b, board, b).Admitted() })
}

// TestMembersWhoMissedEachOther: two members' nodes of an invite-only
// community, one of which was away when the other joined, sync with each
// other while the founder's node is away: the newcomer's node introduces
// itself (its invite, join and device record) to the one that did not
// know it, and from then on they sync both ways.
func TestMembersWhoMissedEachOther(t *testing.T) {
	missedEachOther(t, func(a, c *Node, board protocol.ID) {
		code, err := a.Invite(context.Background(), board, api.InviteRequest{Uses: 1})
		must(t, err)
		_, err = c.Join(context.Background(), code.Code)
		must(t, err)
	})
}

// TestRoleAdmittedMemberIntroduces: the same for a member whose join was
// refused (its invite was withdrawn) and whom a moderator then admitted:
// its node introduces itself with the admit (the founder's; a moderator's
// would bring its grant too), which a fetch now takes. Before, only a
// join could introduce a node, and this member's could not reach the
// member who missed the admit until the founder's node came back.
func TestRoleAdmittedMemberIntroduces(t *testing.T) {
	missedEachOther(t, func(a, c *Node, board protocol.ID) {
		ctx := context.Background()
		code, err := a.Invite(ctx, board, api.InviteRequest{Uses: 1})
		must(t, err)
		_, err = a.RevokeInvite(ctx, board, code.Invite)
		must(t, err)
		if _, err := c.Join(ctx, code.Code); err == nil {
			t.Fatal("a join with a withdrawn invite was taken")
		}
		_, err = a.SetRole(ctx, board, api.RoleRequest{Member: c.id.MemberKey(), Action: "admit"})
		must(t, err)
		_, err = c.Join(ctx, code.Code)
		must(t, err)
		waitFor(t, "c's node sees itself admitted", 10*time.Second, func() bool { return standingOn(c, board, c).Admitted() })
		m := c.store.Membership(board)
		if !m.AdmittedBy(c.id.MemberKey()).IsZero() || len(m.Admission(c.id.MemberKey())) != 1 {
			t.Fatal("c was not admitted by a role record alone: this test tests nothing")
		}
	})
}

// missedEachOther runs an invite-only community of a (the founder) and b,
// in which admit makes c a member while b's node is away; then, with a's
// node away, c's node meets b's, which must learn that c is a member and
// take c's records.
func missedEachOther(t *testing.T, admit func(a, c *Node, board protocol.ID)) {
	ctx := context.Background()
	aHome, bHome := home.Home{Dir: t.TempDir()}, home.Home{Dir: t.TempDir()}
	a, err := Start(ctx, Config{Home: aHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	b, err := Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	board := shareClosedCommunity(t, a, "Board", b)
	must(t, b.Close())
	c := startTestNode(t)
	admit(a, c, board)
	must(t, a.Close())
	b, err = Start(ctx, Config{Home: bHome, Loopback: true, API: "127.0.0.1:0"})
	must(t, err)
	defer b.Close()
	if standingOn(b, board, c).Admitted() {
		t.Fatal("b knows c already: this test tests nothing")
	}
	// c's node may have dialled b's just as it started, and failed: a
	// dial then waits out a backoff, which is not what this tests.
	waitFor(t, "c's node connects to b's", 20*time.Second, func() bool {
		if sw, ok := c.host.Network().(*swarm.Swarm); ok {
			sw.Backoff().Clear(b.PeerID())
		}
		return c.host.Connect(ctx, peerInfo(b)) == nil
	})
	waitFor(t, "b learns c is a member", 20*time.Second, func() bool { return standingOn(b, board, c).Admitted() })
	post, err := c.Post(ctx, board, api.PostRequest{Title: "While the founder is away"})
	must(t, err)
	waitFor(t, "c's post on b", 20*time.Second, func() bool { _, err := b.store.Get(ctx, post); return err == nil })
}

// TestRemovalKeepsOtherCommunities: a node disconnects a peer subscribed
// to a community it is removed from (pubsub cannot take one topic from a
// peer), and then redials it at once, so that the member's other
// communities keep their live records: it took 35 to 80 s between
// daemons, until some other dial (here the DHT's, 1 to 3 s), and a
// re-admission did nothing in the meantime.
func TestRemovalKeepsOtherCommunities(t *testing.T) {
	ctx := context.Background()
	a, stays, b := startTestNode(t), startTestNode(t), startTestNode(t)
	open := makeCommunity(t, a, api.CreateCommunityRequest{Name: "Open"}, stays, b)
	closed := shareClosedCommunity(t, a, "Closed", stays, b)
	inTopics := func() bool {
		return slices.Contains(a.gossip.Peers(open), b.PeerID()) && slices.Contains(a.gossip.Peers(closed), b.PeerID())
	}
	waitFor(t, "b's node in both of a's topics", 10*time.Second, inTopics)
	_, err := a.SetRole(ctx, closed, api.RoleRequest{Member: protocol.PublicKeyOf(b.id.Member), Action: "remove"})
	must(t, err)
	waitFor(t, "b's node out of the closed community's topic, and back in the open one's", 5*time.Second, func() bool {
		return !slices.Contains(a.gossip.Peers(closed), b.PeerID()) && slices.Contains(a.gossip.Peers(open), b.PeerID())
	})
	a.dropRedials.mu.Lock()
	_, redialled := a.dropRedials.last[b.PeerID()]
	a.dropRedials.mu.Unlock()
	if !redialled {
		t.Error("a's node did not redial b's after disconnecting it: b's came back by chance")
	}
	post, err := a.Post(ctx, open, api.PostRequest{Title: "Still here", Body: "for everyone"})
	must(t, err)
	waitFor(t, "b's node gets a's post in the open community", 5*time.Second, func() bool {
		_, err := b.store.Get(ctx, post)
		return err == nil
	})
	// Admitted again, b's node is taken back into the closed topic.
	_, err = a.SetRole(ctx, closed, api.RoleRequest{Member: protocol.PublicKeyOf(b.id.Member), Action: "admit"})
	must(t, err)
	waitFor(t, "b's node back in the closed community's topic", 10*time.Second, inTopics)
}
