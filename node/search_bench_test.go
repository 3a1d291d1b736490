package node

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
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

// BenchmarkReplyToLongThread: one more reply to a thread that has many,
// stored and then indexed as the indexer does after a node stores it.
// Reports the store's time per reply (until the thread's view is current)
// and the indexer's, and, as the raw
// cost of the indexer's part, writing that reply's one document to the
// same index: a reply should cost about one document, not the thread.
func BenchmarkReplyToLongThread(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprintf("replies=%d", n), func(b *testing.B) { benchReplyToLongThread(b, n) })
	}
}

func benchReplyToLongThread(b *testing.B, n int) {
	ctx := context.Background()
	founder := prototest.Key("founder")
	clock := time.Now().Add(-time.Duration(n+1) * time.Second)
	g := prototest.Sign(b, founder, protocol.ID{}, clock, protocol.Refs{}, &protocol.Community{Name: "Long", Policy: protocol.JoinOpen})
	c := g.ID()
	post := prototest.Sign(b, founder, c, clock.Add(time.Millisecond), protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "A long discussion", Text: "Where do we start?"})
	recs := []*protocol.Record{g, post}
	text := strings.Repeat("Practitioners compare notes on what broke and why. ", 20)[:1000]
	for i := range n {
		recs = append(recs, prototest.Sign(b, founder, c, clock.Add(time.Duration(i+2)*time.Millisecond), protocol.Refs{Root: post.ID()}, &protocol.Reply{Text: text}))
	}
	s, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ingestAll(b, s, recs)
	x, err := openIndexer(home.Home{Dir: b.TempDir()}, s, func() bool { return false }, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer x.close()
	for x.step(ctx) {
	}
	var stored, indexed, raw time.Duration
	i := 0
	for b.Loop() {
		i++
		r := prototest.Sign(b, founder, c, time.Now(), protocol.Refs{Root: post.ID()}, &protocol.Reply{Text: fmt.Sprintf("reply %d: %s", i, text)})
		start := time.Now()
		if _, err := s.Ingest(ctx, []*protocol.Record{r}); err != nil {
			b.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil { // the thread's view current
			b.Fatal(err)
		}
		stored += time.Since(start)
		start = time.Now()
		if err := x.indexRecords(ctx, x.index(), map[protocol.ID]protocol.ID{r.ID(): c}); err != nil {
			b.Fatal(err)
		}
		indexed += time.Since(start)
		// The raw cost: the reply's one document, written again.
		doc := &search.Doc{Community: c.String(), Kind: search.KindReply, Thread: post.ID().String(), Record: r.ID().String(),
			Title: "A long discussion", Body: text, Author: protocol.PublicKeyOf(founder).String(), Created: time.Now(), Current: true}
		start = time.Now()
		if err := x.index().Apply(ctx, map[string]*search.Doc{"reply/" + r.ID().String(): doc}, nil, nil); err != nil {
			b.Fatal(err)
		}
		raw += time.Since(start)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(stored), "store-ms/reply")
	b.ReportMetric(per(indexed), "index-ms/reply")
	b.ReportMetric(per(raw), "raw-index-ms/reply")
	b.ReportMetric(float64(indexed)/float64(raw), "index/raw")
}

// BenchmarkStopWhileIndexing: a node stops just after storing a
// 100,000-record burst, while its indexer works through it; in the same
// iteration, the raw cost: a store alone closed just after ingesting the
// same burst (Badger writes out its memtables either way). Reports both
// and their ratio: the burst's indexing should not hold the stop (it took
// 22 s; the next start rebuilds what was not indexed).
func BenchmarkStopWhileIndexing(b *testing.B) {
	_, recs := benchRecords(b, 100_000)
	ctx := context.Background()
	burst := func(ingest func([]*protocol.Record) error) {
		for rest := recs; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
			if err := ingest(rest[:min(len(rest), 1000)]); err != nil {
				b.Fatal(err)
			}
		}
		// The indexer takes the burst after a pause of indexQuiet.
		time.Sleep(2 * time.Second)
	}
	var busy, raw time.Duration
	for b.Loop() {
		n, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
		if err != nil {
			b.Fatal(err)
		}
		burst(func(rs []*protocol.Record) error { return n.ingest(ctx, rs, "bench") })
		if records, _, _ := n.index.lag(); records == 0 {
			b.Fatal("nothing waits to be indexed: the stop measured is not one during a burst")
		}
		start := time.Now()
		if err := n.Close(); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)

		s, err := store.Open(b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		burst(func(rs []*protocol.Record) error { _, err := s.Ingest(ctx, rs); return err })
		start = time.Now()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		raw += time.Since(start)
	}
	b.ReportMetric(busy.Seconds()/float64(b.N), "stop-s")
	b.ReportMetric(raw.Seconds()/float64(b.N), "store-close-s")
	b.ReportMetric(busy.Seconds()/raw.Seconds(), "ratio")
}
