package node

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/kith-network/kith/search"
	"github.com/kith-network/kith/store"
)

// BenchmarkIndex100k indexes a 100,000-record community whole (what a
// node does after a crash or a reindex) and reports the rate in records
// of the community per second, then runs searches of one to three words
// from its text (with and without filters) and reports their p50 and p99
// (goal: p99 under 50 ms).
func BenchmarkIndex100k(b *testing.B) {
	community, recs := prototest.BusyCommunity(b, prototest.Key("founder"), 100_000)
	s, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ingestAll(b, s, recs)
	ctx := context.Background()
	var took time.Duration
	var x *indexer
	for b.Loop() {
		if x != nil {
			x.close()
		}
		x, err = openIndexer(home.Home{Dir: b.TempDir()}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for x.step(ctx) {
		}
		took += time.Since(start)
		if _, _, err := x.lag(); err != nil {
			b.Fatal(err)
		}
	}
	defer x.close()
	n, _ := x.index().Count()
	b.ReportMetric(float64(len(recs)*b.N)/took.Seconds(), "records/s")
	b.ReportMetric(float64(n), "documents")

	words := []string{"practitioners", "compare", "notes", "broke", "question", "topic", "step", "practice"}
	rng := rand.New(rand.NewPCG(1, 1))
	var lat []time.Duration
	for i := range 400 {
		q := search.Query{Text: words[rng.IntN(len(words))]}
		for range rng.IntN(3) {
			q.Text += " " + words[rng.IntN(len(words))]
		}
		switch i % 4 {
		case 1:
			q.Kind = search.KindPost
		case 2:
			q.Tag = fmt.Sprintf("topic-%d", rng.IntN(50))
		case 3:
			q.Community, q.Answered = community.String(), "no"
		}
		start := time.Now()
		if _, err := x.index().Search(ctx, q); err != nil {
			b.Fatalf("search %+v: %v", q, err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "query-p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "query-p99-ms")
}

// BenchmarkSyncWhileIndexing: a fresh node syncs a 100,000-record
// community from one peer over loopback, with its search indexer running
// and, in the same iteration, without (search off): slowdown is the
// ratio of the two (goal: at most 1.10). It also reports how long after
// the sync the index had caught up.
func BenchmarkSyncWhileIndexing(b *testing.B) {
	const n = 100_000
	community, recs := benchRecords(b, n)
	ctx := context.Background()
	server, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0", NoSearch: true})
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	ingestAll(b, server.store, recs)
	syncOnce := func(noSearch bool) (synced, indexed time.Duration) {
		client, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0", NoSearch: noSearch})
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		client.ingest(ctx, recs[:1], "bench")
		if err := client.host.Connect(ctx, peerInfo(server)); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := client.Sync(ctx, server.PeerID(), community)
		if err != nil || len(res) != 1 || res[0].Fetched != n-1 {
			b.Fatalf("sync: %+v %v", res, err)
		}
		if err := client.store.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		synced = time.Since(start)
		if noSearch {
			return synced, 0
		}
		for {
			res, err := client.Search(ctx, api.SearchRequest{Query: "outage"})
			if err != nil {
				b.Fatal(err)
			}
			if res.Lag.Records == 0 && res.Lag.Communities == 0 {
				return synced, time.Since(start) - synced
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// An untimed sync first, so that neither timed one pays for the
	// server's cold caches; then the two in turn, in alternating order.
	syncOnce(true)
	var with, without, catchUp time.Duration
	i := 0
	for b.Loop() {
		for _, noSearch := range []bool{i%2 == 1, i%2 == 0} {
			s, c := syncOnce(noSearch)
			if noSearch {
				without += s
			} else {
				with, catchUp = with+s, catchUp+c
			}
		}
		i++
	}
	b.ReportMetric(float64(n*b.N)/with.Seconds(), "records/s")
	b.ReportMetric(float64(n*b.N)/without.Seconds(), "no-search-records/s")
	b.ReportMetric(with.Seconds()/without.Seconds(), "slowdown")
	b.ReportMetric(catchUp.Seconds()/float64(b.N), "index-behind-s")
}
