package node

import (
	"bufio"
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

// TestJoinShowsProgress: a join shows how many records of the history
// it holds so far as the community's sync, and says it is done after.
func TestJoinShowsProgress(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community, recs := benchRecords(t, 3000)
	ingestAll(t, a.store, recs)
	must(t, a.gossip.Join(community))
	code, err := a.Invite(ctx, community, api.InviteRequest{})
	must(t, err)

	seen := watchFetched(b, community)
	_, err = b.Join(ctx, code.Code)
	most := seen()
	must(t, err)
	if _, got := b.store.Fingerprint(community, protocol.Position{}, protocol.MaxPosition); got != uint64(len(recs)+2) {
		t.Fatalf("the newcomer holds %d records, want %d", got, len(recs)+2)
	}
	if most < fetchBatch {
		t.Errorf("during the join, the sync status showed at most %d records fetched, want at least %d", most, fetchBatch)
	}
	if st := b.SyncStatus(community); st.InProgress || st.LastPeer != a.PeerID() {
		t.Errorf("after the join, the sync status is %+v: want done, with %s", st, a.PeerID())
	}
}

// watchFetched watches n's sync status of community until the returned
// function is called, which returns the most records it showed fetched
// while in progress.
func watchFetched(n *Node, community protocol.ID) func() int {
	var most atomic.Int64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if st := n.SyncStatus(community); st.InProgress && int64(st.Fetched) > most.Load() {
				most.Store(int64(st.Fetched))
			}
		}
	}()
	return func() int {
		close(done)
		<-stopped
		return int(most.Load())
	}
}

// TestSlowFetchKeepsGoing: what bounds a fetch is progress, not its
// length. A peer that sends a batch of records every 200 ms keeps a fetch
// going for more than twice the idle limit (here 1 s), to the end.
func TestSlowFetchKeepsGoing(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	community, recs := benchRecords(t, 12*fetchBatch)
	slow := fetchServer(t, n, func(w *bufio.Writer) {
		for i, r := range recs {
			must(t, writeFrame(w, r.Encode()))
			if (i+1)%fetchBatch == 0 {
				must(t, w.Flush())
				time.Sleep(200 * time.Millisecond)
			}
		}
		must(t, writeFrame(w, nil))
		must(t, w.Flush())
	})
	const idle = time.Second
	shortFetchIdle(t, idle)
	progressed := 0
	start := time.Now()
	err := n.fetch(ctx, slow, community, 0, nil, func(stored int) { progressed = stored })
	took := time.Since(start)
	must(t, err)
	if took < 2*idle {
		t.Errorf("the fetch took %v, want more than twice the idle limit of %v for the test to mean anything", took, idle)
	}
	if _, got := n.store.Fingerprint(community, protocol.Position{}, protocol.MaxPosition); got != uint64(len(recs)) {
		t.Errorf("the node holds %d records, want %d", got, len(recs))
	}
	if progressed != len(recs) {
		t.Errorf("progress said %d records stored, want %d", progressed, len(recs))
	}
	t.Logf("fetched %d records in %v with an idle limit of %v", len(recs), took.Round(time.Millisecond), idle)
}

// fetchServer starts a libp2p host, connected to n, that answers a fetch
// request by reading it whole and then calling answer; it returns its
// peer id.
func fetchServer(t *testing.T, n *Node, answer func(w *bufio.Writer)) peer.ID {
	t.Helper()
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	h, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(fetchProtocol, func(s network.Stream) {
		defer s.Close()
		io.Copy(io.Discard, s)
		answer(bufio.NewWriter(s))
	})
	must(t, n.host.Connect(context.Background(), peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}))
	return h.ID()
}

// TestFetchFromAStalledPeer: a peer that takes the request and then sends
// nothing fails the fetch after the idle limit, not after the hour a whole
// fetch may take.
func TestFetchFromAStalledPeer(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	release := make(chan struct{})
	defer close(release)
	stalled := fetchServer(t, n, func(*bufio.Writer) { <-release }) // the whole request, then silence
	const idle = 300 * time.Millisecond
	shortFetchIdle(t, idle)
	start := time.Now()
	err := n.fetch(ctx, stalled, protocol.ID{1}, 0, nil, nil)
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
