package node

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// TestEvents: a node's event stream, read through its API, tells of every
// record it stores and how it came: the genesis from the invite code, its
// own join and device record, the history fetched, a post by gossip.
func TestEvents(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	cl, err := client.New(home.Home{Dir: b.cfg.Home.Dir})
	if err != nil {
		t.Fatal(err)
	}
	evctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan api.RecordEvent, 100)
	errc := make(chan error, 1)
	go func() {
		errc <- cl.Feed(evctx, func(ev api.FeedItem) error {
			if ev.Record != nil {
				got <- *ev.Record
			}
			return nil
		})
	}()
	time.Sleep(100 * time.Millisecond) // the stream is open

	community := shareCommunity(t, a, "Evented", b)
	// The post is to come by gossip: once a's topic reaches b.
	waitFor(t, "b in a's topic", 10*time.Second, func() bool { return slices.Contains(a.gossip.Peers(community), b.PeerID()) })
	post, err := a.Post(ctx, community, api.PostRequest{Title: "Live", Body: "by gossip"})
	if err != nil {
		t.Fatal(err)
	}
	vias := map[string]int{}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-got:
			vias[ev.Via]++
			if ev.Community != community {
				t.Errorf("event of community %s", ev.Community)
			}
			if ev.Stored < ev.Created {
				t.Errorf("record %s stored (%d) before it was created (%d)", ev.ID, ev.Stored, ev.Created)
			}
			if ev.ID == post {
				if ev.Via != "gossip" || ev.Kind != protocol.KindPost.String() || ev.Status != "accepted" {
					t.Errorf("the post's event: %+v", ev)
				}
				// the genesis, b's join and device (taken by a and served
				// back with the history) and a's device: all by fetch, the
				// code's genesis stored only once a member's node took the
				// join
				if vias["invite"] != 0 || vias["fetch"] < 4 {
					t.Errorf("events by way: %v", vias)
				}
				cancel()
				if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("event stream: %v", err)
				}
				return
			}
		case <-deadline:
			t.Fatalf("no event for the post; events by way: %v", vias)
		}
	}
}

// TestCloseWithEventStream: a reader following the event stream (a UI tab
// left open) does not hold up the daemon's shutdown.
func TestCloseWithEventStream(t *testing.T) {
	n, err := Start(context.Background(), Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(home.Home{Dir: n.cfg.Home.Dir})
	if err != nil {
		t.Fatal(err)
	}
	streamEnded := make(chan error, 1)
	go func() { streamEnded <- cl.Feed(context.Background(), func(api.FeedItem) error { return nil }) }()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := n.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("close took %v with an event stream open", d)
	}
	select {
	case <-streamEnded:
	case <-time.After(5 * time.Second):
		t.Error("the event stream did not end with the daemon")
	}
}
