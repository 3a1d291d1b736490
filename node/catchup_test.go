package node

import (
	"errors"
	"testing"
	"time"

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
