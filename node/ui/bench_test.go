package ui_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/kith-network/kith/store"
)

// BenchmarkCommunityPage renders a community's page (the newest threads,
// most active threads, a tag, unanswered questions) from a node holding a
// 100,000-record community, over HTTP on loopback as a browser asks for
// it, and reports the 50th and 99th percentile (goal: p99 under 50 ms).
// In the same loop it times the threads query alone (the page's main
// part, through the same Backend call the page makes): render-ratio is
// page p50 over query p50, what the HTML and HTTP add.
func BenchmarkCommunityPage(b *testing.B) {
	dir := b.TempDir()
	community, records := prototest.BusyCommunity(b, prototest.Key("founder"), 100_000)
	st, err := store.Open(filepath.Join(dir, home.StoreDir), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for rest := records; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
		if _, err := st.Ingest(context.Background(), rest[:min(len(rest), 1000)]); err != nil {
			b.Fatal(err)
		}
	}
	// Views current before the node opens the store, as a daemon keeps
	// them: the benchmark measures pages, not the refresh after a bulk load.
	if err := st.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(n.UILoginURL())
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) != 1 {
		b.Fatalf("login: %s", resp.Status)
	}
	cookie := resp.Cookies()[0]
	queries := []struct {
		path  string
		query api.ThreadQuery
	}{
		{"", api.ThreadQuery{}},
		{"?order=active", api.ThreadQuery{Active: true}},
		{"?tag=topic-7", api.ThreadQuery{Tag: "topic-7"}},
		{"?type=question&unanswered=on", api.ThreadQuery{Type: "question", Unanswered: true}},
	}
	base := n.APIURL() + "/c/" + community.String()
	var page, query []time.Duration
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		start := time.Now()
		req, _ := http.NewRequest(http.MethodGet, base+q.path, nil)
		req.AddCookie(cookie)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		page = append(page, time.Since(start))
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="threads"`) {
			b.Fatalf("GET %s: %s, %v\n%.500s", q.path, resp.Status, err, body)
		}
		q.query.Limit = 50
		start = time.Now()
		if _, err := n.Threads(context.Background(), community, q.query); err != nil {
			b.Fatal(err)
		}
		query = append(query, time.Since(start))
	}
	slices.Sort(page)
	slices.Sort(query)
	pct := func(d []time.Duration, p int) float64 { return float64(d[len(d)*p/100].Microseconds()) / 1000 }
	b.ReportMetric(pct(page, 50), "p50-ms")
	b.ReportMetric(pct(page, 99), "p99-ms")
	b.ReportMetric(pct(query, 50), "query-p50-ms")
	b.ReportMetric(pct(page, 50)/pct(query, 50), "render-ratio")
}
