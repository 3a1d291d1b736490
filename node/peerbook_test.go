package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

// TestRestartReconnectsFromPeerBook: a node that joined with an invite
// code, given no bootstrap peer, reconnects to the members' nodes it met
// after a restart, and catches up on what was posted meanwhile.
func TestRestartReconnectsFromPeerBook(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	dir := t.TempDir()
	b, err := Start(ctx, Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	community := shareCommunity(t, a, "Remembered", b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	book, err := os.ReadFile(filepath.Join(dir, home.PeersFile))
	if err != nil {
		t.Fatalf("no peer book after close: %v", err)
	}
	t.Logf("peer book: %s", book)
	if _, err := a.Post(ctx, community, api.PostRequest{Title: "While you were away"}); err != nil {
		t.Fatal(err)
	}
	b, err = Start(ctx, Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	deadline := time.Now().Add(15 * time.Second)
	for countThreads(t, b, community) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the restarted node did not reconnect and catch up")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDamagedPeerBook: a peer book that is not JSON, or names bad peers,
// is ignored (entry by entry where it can be) and the node starts.
func TestDamagedPeerBook(t *testing.T) {
	for name, content := range map[string]string{
		"not json":     "{{{",
		"bad entries":  `[{"id":"nope","addrs":["/ip4/127.0.0.1/tcp/1"]},{"id":"12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK","addrs":["not an address"]}]`,
		"wrong shape":  `{"id": 1}`,
		"empty":        ``,
		"huge address": `[{"id":"12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK","addrs":["/ip4/127.0.0.1/tcp/99999"]}]`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, home.PeersFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			n, err := Start(context.Background(), Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
			if err != nil {
				t.Fatalf("start with a damaged peer book: %v", err)
			}
			if err := n.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
