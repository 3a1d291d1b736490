package gossip

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	p2phost "github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	p2pprotocol "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// memStore is an in-memory Store that applies the real community rules
// (protocol.Evaluate) over everything it holds.
type memStore struct {
	mu      sync.Mutex
	records []*protocol.Record
	ids     map[protocol.ID]bool
}

func newMemStore() *memStore { return &memStore{ids: make(map[protocol.ID]bool)} }

func (s *memStore) Ingest(_ context.Context, r *protocol.Record) (protocol.Status, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	added := !s.ids[r.ID()]
	if added {
		s.ids[r.ID()] = true
		s.records = append(s.records, r)
	}
	var same []*protocol.Record
	for _, o := range s.records {
		if o.Community() == r.Community() {
			same = append(same, o)
		}
	}
	return protocol.Evaluate(r.Community(), same).Status[r.ID()], added, nil
}

func (s *memStore) has(id protocol.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

// node is one test node: a loopback host, its store and its gossip.
type node struct {
	h     p2phost.Host
	store *memStore
	g     *Gossip
	mesh  *meshTracer
}

func newHost(t *testing.T) p2phost.Host {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{Key: key, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func newNode(t *testing.T, opts Options) *node {
	t.Helper()
	n := &node{h: newHost(t), store: newMemStore(), mesh: &meshTracer{peers: make(map[peer.ID]bool)}}
	opts.pubsubOptions = append(opts.pubsubOptions, pubsub.WithRawTracer(n.mesh))
	g, err := New(context.Background(), n.h, n.store, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close gossip: %v", err)
		}
	})
	n.g = g
	return n
}

func connect(t *testing.T, a, b p2phost.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("connect: %v", err)
	}
}

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("timed out after 10s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
}

// waitMesh waits until n has every one of want in its mesh (tests use one
// topic at a time).
func waitMesh(t *testing.T, n *node, want ...*node) {
	t.Helper()
	eventually(t, "mesh", func() bool {
		for _, w := range want {
			if !n.mesh.has(w.h.ID()) {
				return false
			}
		}
		return true
	})
}

// meshTracer follows which peers a node has in its mesh.
type meshTracer struct {
	mu     sync.Mutex
	peers  map[peer.ID]bool
	grafts int
}

func (m *meshTracer) graftCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.grafts
}

func (m *meshTracer) has(p peer.ID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peers[p]
}

func (m *meshTracer) Graft(p peer.ID, _ string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peers[p] = true
	m.grafts++
}

func (m *meshTracer) Prune(p peer.ID, _ string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.peers, p)
}

func (m *meshTracer) OnNewOutboundStream(peer.ID, p2pprotocol.ID)          {}
func (m *meshTracer) OnClosedOutboundStream(peer.ID)                       {}
func (m *meshTracer) Join(string)                                          {}
func (m *meshTracer) Leave(string)                                         {}
func (m *meshTracer) ValidateMessage(*pubsub.Message)                      {}
func (m *meshTracer) DeliverMessage(*pubsub.Message)                       {}
func (m *meshTracer) RejectMessage(*pubsub.Message, string)                {}
func (m *meshTracer) DuplicateMessage(*pubsub.Message)                     {}
func (m *meshTracer) ThrottlePeer(peer.ID)                                 {}
func (m *meshTracer) RecvRPC(*pubsub.RPC)                                  {}
func (m *meshTracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (m *meshTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (m *meshTracer) DropRPC(*pubsub.RPC, peer.ID)                         {}
func (m *meshTracer) UndeliverableMessage(*pubsub.Message)                 {}

// joinedPair starts two connected nodes in a community's topic, each
// seeing the other there.
func joinedPair(t *testing.T, community protocol.ID) (a, b *node) {
	t.Helper()
	a, b = newNode(t, Options{}), newNode(t, Options{})
	connect(t, a.h, b.h)
	a.join(t, community)
	b.join(t, community)
	waitPeers(t, a, community, b)
	waitPeers(t, b, community, a)
	return a, b
}

// waitPeers waits until n's gossip sees every one of want in the topic.
func waitPeers(t *testing.T, n *node, community protocol.ID, want ...*node) {
	t.Helper()
	eventually(t, "topic peers", func() bool {
		got := n.g.Peers(community)
		for _, w := range want {
			if !slices.Contains(got, w.h.ID()) {
				return false
			}
		}
		return true
	})
}

func (n *node) join(t *testing.T, community protocol.ID) {
	t.Helper()
	if err := n.g.Join(community); err != nil {
		t.Fatal(err)
	}
}

// publish stores r locally, as the node would, then publishes it.
func (n *node) publish(t *testing.T, r *protocol.Record) {
	t.Helper()
	if _, _, err := n.store.Ingest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := n.g.Publish(context.Background(), r); err != nil {
		t.Fatalf("publish %s: %v", r.Header.Kind, err)
	}
}

// community makes an open community's genesis, signed by founder.
func community(t *testing.T, founder ed25519.PrivateKey) *protocol.Record {
	return prototest.Sign(t, founder, protocol.ID{}, time.Now(), protocol.Refs{}, &protocol.Community{Name: "Gossip test", Policy: protocol.JoinOpen})
}

func join(t *testing.T, key ed25519.PrivateKey, c protocol.ID) *protocol.Record {
	return prototest.Sign(t, key, c, time.Now(), protocol.Refs{}, &protocol.Join{})
}

func post(t *testing.T, key ed25519.PrivateKey, c protocol.ID, title string) *protocol.Record {
	return prototest.Sign(t, key, c, time.Now(), protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: title, Text: "text of " + title})
}
