package node

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
)

// shortFetchIdle makes a fetch give up after d without progress, for the
// length of a test.
func shortFetchIdle(t *testing.T, d time.Duration) {
	old := fetchIdle
	fetchIdle = d
	t.Cleanup(func() { fetchIdle = old })
}

// TestLongJoinKeepsGoing: what bounds a join's fetch of the history is
// progress, not its length. With the idle limit cut to 1.5 s, a join
// of a community whose history takes longer than that to come succeeds, and
// shows how many records it holds so far as the community's sync.
func TestLongJoinKeepsGoing(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community, recs := benchRecords(t, 8000)
	ingestAll(t, a.store, recs)
	must(t, a.gossip.Join(community))
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)
	const idle = 1500 * time.Millisecond
	shortFetchIdle(t, idle)

	var seen atomic.Int64 // the most records the sync status showed during the join
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if st := b.SyncStatus(community); st.InProgress && int64(st.Fetched) > seen.Load() {
				seen.Store(int64(st.Fetched))
			}
		}
	}()
	start := time.Now()
	_, err = b.Join(ctx, code.Code)
	took := time.Since(start)
	close(done)
	must(t, err)
	if took < idle {
		t.Fatalf("the join took %v, too short to show anything beyond the idle limit of %v: make the community bigger", took, idle)
	}
	if _, got := b.store.Fingerprint(community, protocol.Position{}, protocol.MaxPosition); got != uint64(len(recs)+2) {
		t.Fatalf("the newcomer holds %d records, want %d", got, len(recs)+2)
	}
	if s := seen.Load(); s < fetchBatch || s > int64(len(recs)) {
		t.Errorf("during the join, the sync status showed at most %d records fetched, want between %d and %d", s, fetchBatch, len(recs))
	}
	if st := b.SyncStatus(community); st.InProgress || st.LastPeer != a.PeerID() {
		t.Errorf("after the join, the sync status is %+v: want done, with %s", st, a.PeerID())
	}
	t.Logf("joined in %v (idle limit %v); progress seen up to %d records", took.Round(time.Millisecond), idle, seen.Load())
}

// TestFetchFromAStalledPeer: a peer that takes the request and then sends
// nothing fails the fetch after the idle limit, not after the hour a whole
// fetch may take.
func TestFetchFromAStalledPeer(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	stalled, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	defer stalled.Close()
	release := make(chan struct{})
	defer close(release)
	stalled.SetStreamHandler(fetchProtocol, func(s network.Stream) {
		defer s.Close()
		io.Copy(io.Discard, s) // the whole request, then silence
		<-release
	})
	must(t, n.host.Connect(ctx, peer.AddrInfo{ID: stalled.ID(), Addrs: stalled.Addrs()}))
	const idle = 300 * time.Millisecond
	shortFetchIdle(t, idle)
	start := time.Now()
	err = n.fetch(ctx, stalled.ID(), protocol.ID{1}, 0, nil, nil)
	took := time.Since(start)
	if err == nil {
		t.Fatal("a fetch from a peer that sent nothing succeeded")
	}
	if took > 20*idle {
		t.Fatalf("the fetch failed after %v, want about the idle limit of %v (%v)", took, idle, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Logf("as the context's deadline: %v", err)
	}
	t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
}
