package store

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// benchCommunity is a community of 100,000 records of about 1 KiB each
// (prototest.BusyCommunity), made once per process.
var benchCommunity = sync.OnceValues(func() (protocol.ID, []*protocol.Record) {
	return prototest.BusyCommunity(&testing.T{}, founder, 100_000)
})

// benchStore is a store holding benchCommunity, shared by the read
// benchmarks and removed by TestMain.
var (
	benchStoreDir  string
	benchStoreOnce sync.Once
)

func sharedStoreDir(b *testing.B) string {
	benchStoreOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kith-bench-store-")
		if err != nil {
			b.Fatal(err)
		}
		benchStoreDir = dir
		_, records := benchCommunity()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for rest := records; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
			if _, err := s.Ingest(context.Background(), rest[:min(len(rest), 1000)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	})
	return benchStoreDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStoreDir != "" {
		os.RemoveAll(benchStoreDir)
	}
	os.Exit(code)
}

// BenchmarkIngest100k ingests 100,000 validated 1 KiB records in batches
// of 1,000 (as sync delivers them) until every view is current, and in the
// same iteration writes the same bytes to a bare Badger with the same
// options, one key per record, in a WriteBatch: the raw cost. It reports
// both rates and their ratio (goal: at least 0.5).
//
// It also writes, to more bare Badgers, each record's home and the index
// keys of the store's layout (pointer, community order, author, kind,
// tags) with no logic and no views: what Badger alone charges for the
// layout. layout-ratio is that against raw, the ceiling of ratio while
// the layout keeps its per-record index keys; two-key-ratio is the same
// for a record's home and its pointer alone, the least a store that can
// find a record by id and scan an object writes; one-key-ratio for a
// record's home alone plus, per 1,000 records, one entry of 100 bytes a
// record: what a store that kept every index in memory, persisted as
// per-batch deltas, would write. design-ratio adds to that layout the
// least logic such a store would run (designWrite): the ceiling of a
// redesign.
func BenchmarkIngest100k(b *testing.B) {
	_, records := benchCommunity()
	var ours, raw, layout, twoKeys, oneKey, design time.Duration
	for b.Loop() {
		raw += rawWrite(b, records, rawRecord)
		oneKey += rawWrite(b, records, rawHomeAndDelta)
		twoKeys += rawWrite(b, records, rawHomeAndPointer)
		layout += rawWrite(b, records, rawLayout)
		design += designWrite(b, records)
		ours += ingestAll(b, records)
	}
	n := float64(len(records) * b.N)
	b.ReportMetric(n/ours.Seconds(), "records/s")
	b.ReportMetric(n/raw.Seconds(), "raw-records/s")
	b.ReportMetric(raw.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(raw.Seconds()/layout.Seconds(), "layout-ratio")
	b.ReportMetric(raw.Seconds()/twoKeys.Seconds(), "two-key-ratio")
	b.ReportMetric(raw.Seconds()/oneKey.Seconds(), "one-key-ratio")
	b.ReportMetric(raw.Seconds()/design.Seconds(), "design-ratio")
}

func ingestAll(b *testing.B, records []*protocol.Record) time.Duration {
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	for rest := records; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
		if _, err := s.Ingest(context.Background(), rest[:min(len(rest), 1000)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// What rawWrite writes for each record.
const (
	rawRecord         = iota // its bytes under one key
	rawHomeAndPointer        // its home (meta and bytes) and its pointer
	rawLayout                // its home, its pointer and empty entries at its index keys
	rawHomeAndDelta          // its home, and per 1,000 records one entry of 100 bytes a record
)

// rawWrite writes each record as layout says in a WriteBatch and returns
// how long that took.
func rawWrite(b *testing.B, records []*protocol.Record, layout int) time.Duration {
	dir := b.TempDir()
	db, err := badger.Open(leanOptions(dir, slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	type kv struct{ key, value []byte }
	var entries []kv
	for _, r := range records {
		id := r.ID()
		if layout == rawRecord {
			entries = append(entries, kv{key(tRecord, id[:]), r.Encode()})
			continue
		}
		m := Meta{Status: protocol.StatusAccepted, Object: protocol.Object{Type: protocol.ObjectThread, ID: id}}
		if layout == rawHomeAndDelta {
			entries = append(entries, kv{homeKey(r, m), encodeHome(m, r)})
			if len(entries)%1001 == 1000 {
				delta := make([]byte, 100*1000)
				rand.NewChaCha8(id).Read(delta)
				entries = append(entries, kv{key('x', id[:]), delta})
			}
			continue
		}
		entries = append(entries, kv{homeKey(r, m), encodeHome(m, r)}, kv{key(tRecord, id[:]), homeKey(r, m)})
		if layout == rawHomeAndPointer {
			continue
		}
		for _, k := range recordKeys(r) {
			entries = append(entries, kv{k, nil})
		}
	}
	start := time.Now()
	wb := db.NewWriteBatch()
	for _, e := range entries {
		if err := wb.Set(e.key, e.value); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkThreadsPage reads pages of 50 threads from a 100,000-record
// community: the first page and pages deep in the list, and reports the
// 50th and 99th percentile latency (goal: p99 under 5 ms).
func BenchmarkThreadsPage(b *testing.B) {
	dir := sharedStoreDir(b)
	community, _ := benchCommunity()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// Collect cursors across the list to start pages from.
	cursors := []string{""}
	for c := ""; ; {
		p, err := s.Threads(ctx, community, Newest, ThreadFilter{}, c, 50)
		if err != nil {
			b.Fatal(err)
		}
		if p.Next == "" {
			break
		}
		c = p.Next
		cursors = append(cursors, c)
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		p, err := s.Threads(ctx, community, Newest, ThreadFilter{}, cursors[i%len(cursors)], 50)
		lat = append(lat, time.Since(start))
		if err != nil || len(p.Items) == 0 {
			b.Fatal(err)
		}
		i += 7
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(cursors)), "pages")
}

// BenchmarkFingerprint100k computes range fingerprints over the 100,000
// accepted records of a community: the whole range, and random ranges.
func BenchmarkFingerprint100k(b *testing.B) {
	dir := sharedStoreDir(b)
	community, records := benchCommunity()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, n := s.Fingerprint(community, protocol.Position{}, protocol.MaxPosition); n != uint64(len(records)) {
		b.Fatalf("%d items, want %d", n, len(records))
	}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			s.Fingerprint(community, protocol.Position{}, protocol.MaxPosition)
		}
	})
	b.Run("random", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 4))
		for b.Loop() {
			i, j := rng.IntN(len(records)), rng.IntN(len(records))
			s.Fingerprint(community, protocol.PositionOf(records[min(i, j)]), protocol.PositionOf(records[max(i, j)]))
		}
	})
}

// BenchmarkOpenMemory opens the 100,000-record store in a fresh process
// and reports its Go heap and resident memory once open (goal: under
// 64 MB).
func BenchmarkOpenMemory(b *testing.B) {
	dir := sharedStoreDir(b)
	for b.Loop() {
		heap, rss := measureOpen(b, dir)
		b.ReportMetric(heap, "heap-MB")
		b.ReportMetric(rss, "rss-MB")
	}
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	b.ReportMetric(float64(size)/(1<<20), "disk-MB")
}

// BenchmarkThreadReactions reads which of a page's 50 records a member
// reacted to, in a thread of 5,000 replies of about 1 KiB (the member
// reacted to 200 of them): "index" is ReactionsOf, through the reactions
// index; "scan" reads the thread's records as ReactionsOf did before
// format 4 (every record's home, decoded); "page" is the thread's page
// of 50 replies itself, which the reactions add to.
func BenchmarkThreadReactions(b *testing.B) {
	w, g := newWorld(b, protocol.JoinOpen)
	ja, jb := w.join(alice), w.join(bob)
	p := w.post(founder, "A long thread")
	recs := []*protocol.Record{g, ja, jb, p}
	text := strings.Repeat("a reply of about a kilobyte ", 36)
	var replies []protocol.ID
	for i := range 5000 {
		r := w.rec(bob, protocol.Refs{Root: p.ID()}, &protocol.Reply{Text: fmt.Sprint(i, text)})
		recs, replies = append(recs, r), append(replies, r.ID())
		if i%25 == 0 {
			recs = append(recs, w.rec(alice, protocol.Refs{Target: r.ID()}, &protocol.React{Reaction: protocol.ReactHelpful}))
		}
	}
	s, _ := openTest(b)
	for rest := recs; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
		if _, err := s.Ingest(context.Background(), rest[:min(len(rest), 1000)]); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	page := append([]protocol.ID{p.ID()}, replies[2500:2550]...)
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.ReactionsOf(ctx, w.id, protocol.PublicKeyOf(alice), page); err != nil || len(got) != 2 {
				b.Fatal(len(got), err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		obj := protocol.Object{Type: protocol.ObjectThread, ID: p.ID()}
		for b.Loop() {
			n := 0
			err := s.read(ctx, func(txn *badger.Txn) error {
				return scan(txn, objectKey(tObject, w.id, obj), func(_, v []byte) error {
					e, err := decodeHome(v)
					if err == nil && e.Record.Header.Kind == protocol.KindReact && e.Record.Header.Author == protocol.PublicKeyOf(alice) {
						n++
					}
					return err
				})
			})
			if err != nil || n != 200 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if d, err := s.Thread(ctx, w.id, p.ID(), "", 50); err != nil || len(d.Replies) != 50 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkForget100k forgets the 100,000-record community (a copy of the
// shared store each time) and, in the same iteration, scrubs another copy:
// the compaction of every level into one, about the least Badger charges
// to take text off the disk. forget-ratio is the scrub's time against
// the forget's.
func BenchmarkForget100k(b *testing.B) {
	src := sharedStoreDir(b)
	c, _ := benchCommunity()
	open := func() *Store {
		dir := b.TempDir()
		if err := tryCopyDir(src, dir); err != nil {
			b.Fatal(err)
		}
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	var forget, scrub time.Duration
	for b.Loop() {
		b.StopTimer()
		s := open()
		b.StartTimer()
		start := time.Now()
		n, err := s.Forget(context.Background(), c)
		forget += time.Since(start)
		if err != nil || n != 100_000 {
			b.Fatalf("forgot %d records: %v", n, err)
		}
		b.StopTimer()
		s.Close()
		s = open()
		start = time.Now()
		s.mu.Lock()
		err = s.scrub()
		s.mu.Unlock()
		scrub += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(forget.Seconds()/float64(b.N), "forget-s")
	b.ReportMetric(scrub.Seconds()/float64(b.N), "scrub-s")
	b.ReportMetric(scrub.Seconds()/forget.Seconds(), "forget-ratio")
}
