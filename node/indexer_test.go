package node

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/kith-network/kith/store"
)

// TestReindexDuringRebuild: a rebuild asked for while one is running
// (`kith search --reindex` twice, or while the daemon rebuilds at start)
// ends with every document indexed. The running rebuild went on writing
// into the new, empty index, then marked the community done with its
// digest: the index kept only what was written after the second request,
// for good (the digest matched at every start).
func TestReindexDuringRebuild(t *testing.T) {
	_, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 2500) // 1,000 joins, then posts and replies
	s, err := store.Open(t.TempDir(), store.Options{})
	must(t, err)
	defer s.Close()
	ingestAll(t, s, recs)
	// Written 50 documents at a time, a rebuild is long enough to be
	// caught in the middle.
	defer func(n int) { indexApply = n }(indexApply)
	indexApply = 50
	ctx := context.Background()
	open := func() *indexer {
		x, err := openIndexer(home.Home{Dir: t.TempDir()}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
		must(t, err)
		t.Cleanup(func() { x.close() })
		return x
	}
	whole := open()
	for whole.step(ctx) {
	}
	want, err := whole.index().Count()
	must(t, err)

	x := open()
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		x.step(ctx) // the community, whole
		done.Store(true)
	}()
	for n := uint64(0); n == 0 && !done.Load(); n, _ = x.index().Count() {
		time.Sleep(time.Millisecond)
	}
	if done.Load() {
		t.Fatal("the rebuild ended before a second was asked for: this test tests nothing")
	}
	must(t, x.reindex())
	<-finished
	for x.step(ctx) {
	}
	if got, err := x.index().Count(); err != nil || got != want {
		t.Errorf("after a rebuild asked for during one: %d documents, want %d (%v)", got, want, err)
	}
	if records, communities, err := x.lag(); records != 0 || communities != 0 || err != nil {
		t.Errorf("lag after both: %d records, %d communities, %v", records, communities, err)
	}
}
