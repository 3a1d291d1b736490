package node

import (
	"errors"
	"net/http"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	p2pprotocol "github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kith-network/kith/protocol"
)

// nodeMetrics are the node's Prometheus metrics, served at /metrics on the
// API address (behind the API token). Each node has its own registry, so
// that several nodes in one process (tests, `kith demo`) count apart.
type nodeMetrics struct {
	reg       *prometheus.Registry
	ingested  *prometheus.CounterVec // records newly stored, by how they came and their status
	refused   *prometheus.CounterVec // records refused before storing, by how they came and why
	syncs     *prometheus.CounterVec // sync sessions, by side and result
	syncBytes *prometheus.CounterVec // bytes of sync sessions, by direction
	gossip    *prometheus.CounterVec // pubsub's message events
	files     *prometheus.CounterVec // attachment bytes, by direction
}

func newMetrics(n *Node) *nodeMetrics {
	m := &nodeMetrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kith", Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "kith", Name: name, Help: help}, f))
	}
	m.ingested = counter("records_ingested_total", "Records newly stored, by how they came (local, gossip, sync, fetch, import) and their status in their community.", "via", "status")
	m.refused = counter("records_refused_total", "Records refused before they were stored, by how they came and the rule they broke.", "via", "reason")
	m.syncs = counter("sync_sessions_total", "Catch-up sync sessions, by side (client: this node asked; server) and result.", "side", "result")
	m.syncBytes = counter("sync_bytes_total", "Bytes of catch-up sync sessions, by direction.", "direction")
	m.gossip = counter("gossip_messages_total", "Gossip messages by what became of them: delivered, rejected or ignored (by pubsub's reason), duplicate, undeliverable.", "event", "reason")
	m.files = counter("file_bytes_total", "Attachment bytes sent to and received from peers, by direction.", "direction")
	gauge("peers", "Peers connected now.", func() float64 { return float64(len(n.host.Network().Peers())) })
	gauge("communities", "Communities this node holds.", func() float64 { return float64(len(n.store.Communities())) })
	gauge("store_bytes", "Bytes the store takes on disk (Badger's LSM tree and value log, measured by Badger every minute).", func() float64 { return float64(n.store.Size()) })
	gauge("store_records", "Records held, in every community.", func() float64 {
		var total uint64
		for _, c := range n.store.Communities() {
			_, count := n.store.Fingerprint(c, protocol.Position{}, protocol.MaxPosition)
			total += count
		}
		return float64(total)
	})
	gauge("search_lag_records", "Records stored but not yet in the search index.", func() float64 {
		if n.index == nil {
			return 0
		}
		records, _, _ := n.index.lag()
		return float64(records)
	})
	gauge("sync_active", "1 while a catch-up sync session runs.", func() float64 {
		if n.syncs.active() {
			return 1
		}
		return 0
	})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the metrics in Prometheus's text format.
func (m *nodeMetrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// stored counts a record newly stored.
func (m *nodeMetrics) stored(via string, status protocol.Status) {
	m.ingested.WithLabelValues(via, status.String()).Inc()
}

// refuse counts a record refused before storing.
func (m *nodeMetrics) refuse(via, reason string) {
	m.refused.WithLabelValues(via, reason).Inc()
}

// validate validates one record from the network, counting a refusal.
func (n *Node) validate(data []byte, via string) (*protocol.Record, error) {
	r, err := protocol.Validate(data, time.Now())
	if err != nil {
		n.metrics.refuse(via, string(protocol.RuleOf(err)))
	}
	return r, err
}

// refuser returns a function that counts a refused record by its rule.
func (n *Node) refuser(via string) func(error) {
	return func(err error) { n.metrics.refuse(via, string(protocol.RuleOf(err))) }
}

// fileBytes counts attachment bytes on the wire.
func (m *nodeMetrics) fileBytes(direction string, n int) {
	m.files.WithLabelValues(direction).Add(float64(n))
}

// session counts a sync session that ended, and its bytes.
func (m *nodeMetrics) session(side string, err error, in, out int) {
	result := "ok"
	if err != nil {
		result = "error"
		if errors.Is(err, errSyncBusy) {
			result = "busy"
		}
	}
	m.syncs.WithLabelValues(side, result).Inc()
	m.syncBytes.WithLabelValues("in").Add(float64(in))
	m.syncBytes.WithLabelValues("out").Add(float64(out))
}

// gossipTracer counts pubsub's message events. Pubsub calls it from its
// event loop, so each method only increments a counter.
type gossipTracer struct{ m *nodeMetrics }

var _ pubsub.RawTracer = gossipTracer{}

func (t gossipTracer) DeliverMessage(*pubsub.Message) {
	t.m.gossip.WithLabelValues("delivered", "").Inc()
}

func (t gossipTracer) RejectMessage(_ *pubsub.Message, reason string) {
	t.m.gossip.WithLabelValues("rejected", reason).Inc()
}

func (t gossipTracer) DuplicateMessage(*pubsub.Message) {
	t.m.gossip.WithLabelValues("duplicate", "").Inc()
}

func (t gossipTracer) UndeliverableMessage(*pubsub.Message) {
	t.m.gossip.WithLabelValues("undeliverable", "").Inc()
}

func (t gossipTracer) DropRPC(*pubsub.RPC, peer.ID) {
	t.m.gossip.WithLabelValues("dropped-rpc", "").Inc()
}

// The events below are not counted.

func (gossipTracer) OnNewOutboundStream(peer.ID, p2pprotocol.ID)          {}
func (gossipTracer) OnClosedOutboundStream(peer.ID)                       {}
func (gossipTracer) Join(string)                                          {}
func (gossipTracer) Leave(string)                                         {}
func (gossipTracer) Graft(peer.ID, string)                                {}
func (gossipTracer) Prune(peer.ID, string)                                {}
func (gossipTracer) ValidateMessage(*pubsub.Message)                      {}
func (gossipTracer) ThrottlePeer(peer.ID)                                 {}
func (gossipTracer) RecvRPC(*pubsub.RPC)                                  {}
func (gossipTracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (gossipTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
