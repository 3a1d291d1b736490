package benchnet

import (
	"context"
	"testing"
	"time"
)

// TestSmallNetwork runs the benchmark at a size CI can afford, to keep the
// command working: every post must reach every node.
func TestSmallNetwork(t *testing.T) {
	res, err := Run(context.Background(), Config{Nodes: 4, Posts: 20, Interval: 10 * time.Millisecond, Links: 1,
		Settle: 1500 * time.Millisecond, Drain: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Expected != 60 || res.Delivered == 0 || res.Max <= 0 {
		t.Fatalf("nothing measured: %+v", res)
	}
	if !res.CompleteAfterAll {
		t.Fatalf("a node is missing posts at the end: %+v", res)
	}
}
