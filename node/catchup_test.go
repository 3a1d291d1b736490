package node

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TestBackoff: failures push a peer's next session further away, up to
// maxBackoff; a success or a reconnection (forget) clears that, so a peer
// killed many times is synced with as soon as it is back.
func TestBackoff(t *testing.T) {
	b := backoff{until: make(map[peer.ID]time.Time), wait: make(map[peer.ID]time.Duration)}
	p := peer.ID("p")
	for range 20 {
		b.result(p, errors.New("stream reset"))
	}
	if b.ready(p) || b.wait[p] != maxBackoff {
		t.Fatalf("after 20 failures: ready %v, wait %v", b.ready(p), b.wait[p])
	}
	b.result(p, errSyncBusy)
	if b.wait[p] != maxBackoff {
		t.Error("a busy peer changed the back-off")
	}
	b.forget(p)
	if !b.ready(p) {
		t.Error("a reconnected peer is still backed off")
	}
	b.result(p, errors.New("again"))
	if b.wait[p] != syncEvery {
		t.Errorf("back-off after forgetting starts at %v, want %v", b.wait[p], syncEvery)
	}
	b.result(p, nil)
	if !b.ready(p) {
		t.Error("a success left the peer backed off")
	}
}

// TestTopicsFollowTheStore: a community the store came to hold, with the
// member admitted, other than by a whole join (a join stopped after the
// history came and the member's join came back by sync) has its topic
// joined within a tick, as at start, so that its records go live.
func TestTopicsFollowTheStore(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	c, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Half joined"})
	must(t, err)
	genesis, err := a.store.Get(ctx, c)
	must(t, err)
	join := prototest.Sign(t, b.id.Member, c, time.Now(), protocol.Refs{}, &protocol.Join{})
	must(t, b.ingest(ctx, []*protocol.Record{genesis.Record, join}, "sync"))
	if b.gossip.Joined(c) {
		t.Fatal("the topic joined on ingest: this test tests nothing")
	}
	waitFor(t, "b in the community's topic", 15*time.Second, func() bool { return b.gossip.Joined(c) })
}
