package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/kith-network/kith/store"
)

// benchRecords makes an open community of n records of about 1 KiB: a
// genesis, 100 members joining, questions and replies.
func benchRecords(b testing.TB, n int) (protocol.ID, []*protocol.Record) {
	rng := rand.New(rand.NewPCG(7, 7))
	clock := prototest.Now.Add(-24 * time.Hour)
	g := prototest.Sign(b, prototest.Key("bench founder"), protocol.ID{}, clock, protocol.Refs{}, &protocol.Community{Name: "Bench", Policy: protocol.JoinOpen})
	recs := []*protocol.Record{g}
	text := strings.Repeat("What we learned from the outage, step by step. ", 22)[:1000]
	var posts []protocol.ID
	for len(recs) < n {
		clock = clock.Add(time.Duration(1+rng.IntN(500)) * time.Millisecond)
		author := prototest.Key(fmt.Sprintf("bench member %d", rng.IntN(100)))
		var r *protocol.Record
		switch i := len(recs); {
		case i <= 100:
			r = prototest.Sign(b, prototest.Key(fmt.Sprintf("bench member %d", i-1)), g.ID(), clock, protocol.Refs{}, &protocol.Join{})
		case i%10 == 0 || len(posts) == 0:
			r = prototest.Sign(b, author, g.ID(), clock, protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: fmt.Sprintf("Q%d", i), Text: text})
			posts = append(posts, r.ID())
		default:
			r = prototest.Sign(b, author, g.ID(), clock, protocol.Refs{Root: posts[rng.IntN(len(posts))]}, &protocol.Reply{Text: text})
		}
		recs = append(recs, r)
	}
	return g.ID(), recs
}

func ingestAll(b testing.TB, s *store.Store, recs []*protocol.Record) {
	for rest := recs; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
		if _, err := s.Ingest(context.Background(), rest[:min(len(rest), 1000)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSync100k: a fresh node syncs a 100,000-record community from
// one peer over loopback, until its views are current. In the same
// iteration, the raw cost: validating the same records' bytes (on every
// core, as sync does) and storing them in the same batches into a fresh
// store. Reports both rates and their ratio (goal: at least 0.5).
func BenchmarkSync100k(b *testing.B) {
	const n = 100_000
	community, recs := benchRecords(b, n)
	ctx := context.Background()
	server, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	ingestAll(b, server.store, recs)
	encoded := make([][]byte, len(recs))
	for i, r := range recs {
		encoded[i] = r.Encode()
	}
	var syncTime, rawTime time.Duration
	for b.Loop() {
		// Raw: validate every record's bytes, store them in batches.
		raw, err := store.Open(b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		// The same batches and the same validation on every core as sync.
		start := time.Now()
		for rest := encoded; len(rest) > 0; rest = rest[min(len(rest), syncBatch):] {
			batch, _, err := validateAll(rest[:min(len(rest), syncBatch)], time.Now(), nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := raw.Ingest(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		if err := raw.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(start)
		raw.Close()

		// Sync: a fresh node that knows only the genesis.
		client, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := client.store.Ingest(ctx, recs[:1]); err != nil {
			b.Fatal(err)
		}
		if err := client.host.Connect(ctx, peerInfo(server)); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		res, err := client.Sync(ctx, server.PeerID(), community)
		if err != nil {
			b.Fatal(err)
		}
		if err := client.store.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		syncTime += time.Since(start)
		if len(res) != 1 || res[0].Fetched != n-1 {
			b.Fatalf("sync fetched %+v, want %d records", res, n-1)
		}
		client.Close()
	}
	total := float64(n * b.N)
	b.ReportMetric(total/syncTime.Seconds(), "records/s")
	b.ReportMetric(total/rawTime.Seconds(), "raw-records/s")
	b.ReportMetric(rawTime.Seconds()/syncTime.Seconds(), "ratio")
}
