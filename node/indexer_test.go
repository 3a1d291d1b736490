package node

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
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

// TestOwnRecordsIndexedDuringABurst: while the node is busy (a sync or an
// import), the indexer waits for a pause of up to a minute, then takes a
// batch that may take another; a record the member writes meanwhile is
// indexed at once. It took up to two minutes to be found during an
// import. Indexed ahead of the burst, it does not mark the community
// indexed: a crash then left the burst out of the index for good.
func TestOwnRecordsIndexedDuringABurst(t *testing.T) {
	community, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 1100)
	s, err := store.Open(t.TempDir(), store.Options{})
	must(t, err)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ingestAll(t, s, recs[:1050])
	x, err := openIndexer(home.Home{Dir: t.TempDir()}, s, func() bool { return true }, slog.New(slog.DiscardHandler))
	must(t, err)
	defer x.close()
	for x.step(ctx) { // the community, whole, before the burst
	}
	done := make(chan struct{})
	go func() { defer close(done); x.run(ctx) }()
	defer func() { cancel(); <-done }()
	burst, own := recs[1050:1099], recs[1099]
	outs, err := s.Ingest(ctx, burst)
	must(t, err)
	for i, r := range burst {
		if outs[i].Added {
			x.stored(r, false)
		}
	}
	if _, err := s.Put(ctx, own); err != nil {
		t.Fatal(err)
	}
	x.stored(own, true)
	deadline := time.Now().Add(10 * time.Second)
	for !x.indexed(t, own) {
		if time.Now().After(deadline) {
			t.Fatal("the member's own record is not indexed within 10 s of a burst")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if records, _, _ := x.lag(); records < len(burst)/2 {
		t.Errorf("the burst's records were indexed too (%d left): the indexer did not wait for the pause", records)
	}
	if d, err := x.index().Meta(digestKey(community)); err != nil || string(d) == x.digest(community) {
		t.Errorf("the index says it holds the whole community while the burst waits (%v)", err)
	}
}

// TestOwnRecordsBeforeRebuild: the member's own record is indexed before
// a community rebuilt whole (at start, or after --reindex), which may
// take a minute.
func TestOwnRecordsBeforeRebuild(t *testing.T) {
	_, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 1100)
	s, err := store.Open(t.TempDir(), store.Options{})
	must(t, err)
	defer s.Close()
	ingestAll(t, s, recs[:1099])
	x, err := openIndexer(home.Home{Dir: t.TempDir()}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
	must(t, err)
	defer x.close()
	own := recs[1099]
	_, err = s.Put(context.Background(), own)
	must(t, err)
	x.stored(own, true)
	x.step(context.Background())
	if _, communities, _ := x.lag(); !x.indexed(t, own) || communities != 1 {
		t.Errorf("after one step: own record indexed %v, %d communities to rebuild (want it indexed, the rebuild still to come)", x.indexed(t, own), communities)
	}
}

// indexed reports whether r's document is in the index.
func (x *indexer) indexed(t *testing.T, r *protocol.Record) bool {
	t.Helper()
	ids, err := x.index().IDs(context.Background(), "record", r.ID().String())
	must(t, err)
	return len(ids) > 0
}

// TestStopDuringRebuild: stopping the node while a community is rebuilt
// whole leaves the rebuild for the next start rather than taking it up
// again for the last seconds: a stop took 9 s. What the member wrote is
// still indexed before the indexer ends.
func TestStopDuringRebuild(t *testing.T) {
	_, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 2500)
	s, err := store.Open(t.TempDir(), store.Options{})
	must(t, err)
	defer s.Close()
	ingestAll(t, s, recs[:2499])
	defer func(n int) { indexApply = n }(indexApply)
	indexApply = 50
	x, err := openIndexer(home.Home{Dir: t.TempDir()}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
	must(t, err)
	defer x.close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); x.run(ctx) }()
	for n := uint64(0); n == 0; n, _ = x.index().Count() {
		time.Sleep(time.Millisecond)
	}
	own := recs[2499]
	_, err = s.Put(context.Background(), own)
	must(t, err)
	x.stored(own, true)
	cancel()
	<-done
	if _, communities, _ := x.lag(); communities != 1 {
		t.Errorf("after the stop %d communities left to rebuild, want the one (left for the next start)", communities)
	}
	if !x.indexed(t, own) {
		t.Error("the member's record, stored before the stop, is not indexed")
	}
}

// TestStopDuringBurst: stopping the node while a burst (an import, a
// sync) is indexed as one batch ends that batch at once and leaves the
// burst to the next start, which rebuilds its community; what the member
// wrote is still indexed before the indexer ends. The batch ran to its
// end first, and the last round took up whatever it left: a stop after
// importing 100,000 records took 22 s.
func TestStopDuringBurst(t *testing.T) {
	community, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 6100)
	other, few := prototest.BusyCommunity(t, prototest.Key("other founder"), 1003)
	s, err := store.Open(t.TempDir(), store.Options{})
	must(t, err)
	defer s.Close()
	ingestAll(t, s, recs[:1100])
	ingestAll(t, s, few[:1000])
	defer func(n int) { indexApply = n }(indexApply)
	indexApply = 20
	dir := t.TempDir()
	x, err := openIndexer(home.Home{Dir: dir}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
	must(t, err)
	for x.step(context.Background()) { // the community, whole, before the burst
	}
	before, err := x.index().Count()
	must(t, err)
	burst, own := recs[1100:6099], recs[6099]
	outs, err := s.Ingest(context.Background(), burst)
	must(t, err)
	for i, r := range burst {
		if !outs[i].Added {
			t.Fatalf("burst record %d not added: %+v", i, outs[i])
		}
		x.stored(r, false)
	}
	// Another community's few records, waiting beside the burst.
	_, err = s.Ingest(context.Background(), few[1000:])
	must(t, err)
	for _, r := range few[1000:] {
		x.stored(r, false)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); x.run(ctx) }()
	for n := before; n == before; n, _ = x.index().Count() {
		time.Sleep(time.Millisecond)
	}
	_, err = s.Put(context.Background(), own)
	must(t, err)
	x.stored(own, true)
	cancel()
	<-done
	if records, _, _ := x.lag(); records != len(burst) {
		t.Errorf("after the stop %d records left to index, want the burst's %d (its batch ended, left for the next start)", records, len(burst))
	}
	if !x.indexed(t, own) {
		t.Error("the member's record, stored before the stop, is not indexed")
	}
	// The other community's few are indexed at the stop, and it is marked
	// whole: the next start does not rebuild it for them.
	for _, r := range few[1000:] {
		if r.Header.Kind != protocol.KindJoin && !x.indexed(t, r) { // a join has no document
			t.Errorf("the other community's record %v, waiting beside the burst, is not indexed at the stop", r.ID())
		}
	}
	if d, err := x.index().Meta(digestKey(other)); err != nil || string(d) != x.digest(other) {
		t.Errorf("the other community is not marked whole after the stop (%v)", err)
	}
	must(t, x.close())

	// The next start finds the community's digest out of date and
	// rebuilds it, the burst with it.
	x, err = openIndexer(home.Home{Dir: dir}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
	must(t, err)
	defer x.close()
	if _, communities, _ := x.lag(); communities != 1 {
		t.Fatalf("at the next start %d communities to rebuild, want the burst's", communities)
	}
	for x.step(context.Background()) {
	}
	for _, r := range []*protocol.Record{burst[0], burst[len(burst)-1], own} {
		if !x.indexed(t, r) {
			t.Errorf("record %v not indexed after the next start's rebuild", r.ID())
		}
	}
	if d, err := x.index().Meta(digestKey(community)); err != nil || string(d) != x.digest(community) {
		t.Errorf("the index does not say it holds the whole community after the rebuild (%v)", err)
	}
}
