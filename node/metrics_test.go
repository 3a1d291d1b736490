package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/gossip"
	kithhost "github.com/kith-network/kith/node/host"
)

// scrape reads a node's /metrics over HTTP, as Prometheus would, and
// returns each sample as "name{label="value",...}" -> value.
func scrape(t *testing.T, n *Node) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.APIURL()+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+n.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := make(map[string]float64)
	for name, f := range families {
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			out[key] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// waitMetric waits until a node's metric satisfies ok, and fails with its
// last value otherwise.
func waitMetric(t *testing.T, n *Node, key string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := scrape(t, n)[key]
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after 20 s", key, v)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func above(x float64) func(float64) bool { return func(v float64) bool { return v > x } }

// TestMetrics scrapes /metrics of real nodes on loopback: the counters
// move when records arrive by gossip, sync and import, and when records
// are refused on each path, by reason; the endpoint wants the API token.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	c := shareCommunity(t, a, "Measured", b)

	// Records stored, by how they came.
	before := scrape(t, b)
	const gossiped = `kith_records_ingested_total{status="accepted",via="gossip"}`
	if _, err := a.Post(ctx, c, api.PostRequest{Title: "Counted", Body: "by the receiver"}); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, b, gossiped, above(before[gossiped]))
	waitMetric(t, b, `kith_gossip_messages_total{event="delivered",reason=""}`, above(0))
	if got := scrape(t, a)[`kith_records_ingested_total{status="accepted",via="local"}`]; got < 2 {
		t.Errorf("the founder's local records counted %v, want at least 2 (genesis and post)", got)
	}
	if _, err := b.Sync(ctx, a.PeerID(), c); err != nil {
		t.Fatal(err)
	}
	m := scrape(t, b)
	if m[`kith_sync_sessions_total{result="ok",side="client"}`] < 1 || m[`kith_sync_bytes_total{direction="in"}`] <= 0 || m[`kith_sync_bytes_total{direction="out"}`] <= 0 {
		t.Errorf("after a sync: sessions %v, bytes in %v, out %v", m[`kith_sync_sessions_total{result="ok",side="client"}`],
			m[`kith_sync_bytes_total{direction="in"}`], m[`kith_sync_bytes_total{direction="out"}`])
	}
	waitMetric(t, a, `kith_sync_sessions_total{result="ok",side="server"}`, above(0))
	if m["kith_peers"] < 1 || m["kith_communities"] != 1 || m["kith_store_records"] < 3 {
		t.Errorf("gauges: peers %v, communities %v, records %v", m["kith_peers"], m["kith_communities"], m["kith_store_records"])
	}
	if _, ok := m["kith_search_lag_records"]; !ok {
		t.Error("no kith_search_lag_records")
	}

	// Records refused, by path and reason: a tampered archive...
	var archive bytes.Buffer
	must(t, a.Export(ctx, c, &archive))
	fresh := startTestNode(t)
	bad := bytes.Replace(archive.Bytes(), []byte("by the receiver"), []byte("by the forger!!"), 1)
	if _, err := fresh.Import(ctx, bytes.NewReader(bad)); err == nil {
		t.Fatal("a tampered archive was imported")
	}
	if got := scrape(t, fresh)[`kith_records_refused_total{reason="body-hash",via="import"}`]; got != 1 {
		t.Errorf("tampered archive: refused{import, body-hash} = %v, want 1", got)
	}
	if _, err := fresh.Import(ctx, bytes.NewReader(archive.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, fresh)[`kith_records_ingested_total{status="accepted",via="import"}`]; got < 3 {
		t.Errorf("imported records counted %v, want at least 3", got)
	}

	// ...and bytes that are no record, sent on the community's topic by a
	// peer that speaks gossip.
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	evil, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	defer evil.Close()
	ps, err := pubsub.NewGossipSub(ctx, evil, gossip.Dialect()...)
	must(t, err)
	topic, err := ps.Join(gossip.TopicName(c))
	must(t, err)
	sub, err := topic.Subscribe()
	must(t, err)
	defer sub.Cancel()
	must(t, evil.Connect(ctx, peer.AddrInfo{ID: b.PeerID(), Addrs: b.host.Addrs()}))
	const refused = `kith_records_refused_total{reason="encoding",via="gossip"}`
	deadline := time.Now().Add(20 * time.Second)
	for scrape(t, b)[refused] < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed 0 while a peer sent garbage on the topic", refused)
		}
		// Each message differs, or pubsub would drop it as seen.
		must(t, topic.Publish(ctx, []byte("not a record "+time.Now().String())))
		time.Sleep(100 * time.Millisecond)
	}
	if got := scrape(t, b)[`kith_gossip_messages_total{event="rejected",reason="validation failed"}`]; got < 1 {
		t.Errorf("pubsub's rejections counted %v", got)
	}

	// The endpoint is behind the token and answers only to local names.
	for _, tc := range []struct {
		name, host, token string
		want              int
	}{
		{"no token", "", "", http.StatusUnauthorized},
		{"wrong token", "", "nope", http.StatusUnauthorized},
		{"foreign host", "metrics.example", a.token, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodGet, a.APIURL()+"/metrics", nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
		}
	}
}
