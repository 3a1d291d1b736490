// Package gossip replicates Kith records live over gossipsub, one topic per
// community. A message is one encoded record and its message id is the
// record id, so a record crosses each link at most once. Every record is
// validated and stored before it is forwarded: invalid records are rejected
// (and count against the peer that sent them), records whose author is not
// admitted are kept but not forwarded. Gossip keeps no history and drops
// messages under load; the sync protocol makes nodes whole.
package gossip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// Store is what gossip needs from the node's store.
type Store interface {
	// Ingest stores a validated record (idempotent) and returns its status
	// in its community: protocol.StatusAccepted, StatusPending (author not
	// admitted yet) or StatusRemoved, and whether it was newly added. A
	// record the store will not keep (too many set aside) is ErrRefused.
	Ingest(ctx context.Context, r *protocol.Record) (status protocol.Status, added bool, err error)
}

// ErrRefused is a record the store would set aside but refuses: its
// community holds as many records of authors not admitted as it keeps.
// The peer that delivered it is charged as for any record set aside.
var ErrRefused = errors.New("refused: too many records of authors not admitted")

// Options tune a Gossip; the zero value works.
type Options struct {
	// Logger receives gossip's and pubsub's logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock for protocol.Validate; default time.Now.
	Now func() time.Time
	// AllowPeer, if set, decides which peers may exchange a community's
	// topic (invite-only communities): others are never sent its records
	// nor taken into its mesh. It is called from pubsub's event loop, so it
	// must be quick and must not call back into Gossip.
	AllowPeer func(community protocol.ID, p peer.ID) bool
	// OnRecord, if set, is called after a record from the network was newly
	// stored, whatever its status (for UI events). It runs on the
	// validation path, which handles one message at a time: it must be
	// quick and must not call back into Gossip.
	OnRecord func(r *protocol.Record, status protocol.Status)
	// OnRefuse, if set, is called for each record from the network that is
	// refused before it is stored, with the reason: a protocol.Rule, or
	// RefusedOtherCommunity or RefusedRateLimit (for metrics). Same
	// constraints as OnRecord.
	OnRefuse func(reason string)
	// OnDrop, if set, is called after Gossip disconnected a peer for
	// subscribing to a community AllowPeer refuses it (pubsub cannot take
	// one topic from a peer, and flood publishing would send it the
	// community's records), so that the caller redials it: on the new
	// connection its subscriptions pass the filter afresh, and its other
	// communities flow again. It must not block.
	OnDrop func(p peer.ID)
	// Tracer, if set, sees pubsub's events (deliveries, rejections,
	// duplicates, dropped messages), for metrics.
	Tracer pubsub.RawTracer

	// pubsubOptions are appended to Gossip's own (tests use it to inspect
	// peer scores).
	pubsubOptions []pubsub.Option
}

// Reasons given to Options.OnRefuse besides the protocol's rules.
const (
	RefusedOtherCommunity = "other-community" // a record sent on another community's topic
	RefusedRateLimit      = "rate-limit"      // its author past the live rate
)

// Errors callers can test for with errors.Is.
var (
	// ErrClosed is returned by every method once Close was called.
	ErrClosed = errors.New("gossip is closed")
	// ErrNotJoined is returned by Publish for a community not joined.
	ErrNotJoined = errors.New("community not joined")
	// ErrNotForwarded is returned by Publish for a record that is stored
	// but not accepted in its community (its author is not admitted, or
	// was removed), so it is not sent to anyone. Sync will carry it once
	// the membership that admits it arrives.
	ErrNotForwarded = errors.New("record not accepted in its community, not forwarded")
	// ErrRateLimited is returned by Publish for a record whose author has
	// published past the live rate (see ratelimit.go): it is not sent,
	// since peers would ignore it and penalise this node; sync carries it.
	ErrRateLimited = errors.New("author past the live gossip rate, record left to sync")
)

// Gossip runs gossipsub on a host for the communities it joins.
type Gossip struct {
	h      host.Host
	ps     *pubsub.PubSub
	store  Store
	log    *slog.Logger
	now    func() time.Time
	opts   Options
	ctx    context.Context    // pubsub's lifetime
	cancel context.CancelFunc // stops pubsub and every goroutine it runs

	mu     sync.Mutex
	topics map[protocol.ID]*joined
	closed bool

	// held has the communities joined, for the subscription filter, which
	// runs in pubsub's event loop and so cannot take mu (Join holds mu
	// while it waits for that loop).
	held sync.Map // protocol.ID -> struct{}

	limits      *limiter                            // rate limits, and the penalties of peers past them
	scores      atomic.Pointer[map[peer.ID]float64] // the latest peer scores, for Score
	refusedSubs refusedSubs                         // subscriptions refused, for Readmitted
}

// joined is one community's topic, relayed: this node takes part in the
// topic's mesh and validates, stores and forwards its messages. Relaying
// rather than subscribing spares a goroutine and a buffer per topic that
// would only drain messages already stored by the validator.
type joined struct {
	topic  *pubsub.Topic
	cancel pubsub.RelayCancelFunc
}

// New starts gossipsub on h. It runs until Close (or until ctx ends, but
// call Close anyway to release the protocol handlers).
func New(ctx context.Context, h host.Host, st Store, opts Options) (*Gossip, error) {
	if st == nil {
		return nil, errors.New("start gossip: no store")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	g := &Gossip{h: h, store: st, log: logger.With("component", "gossip"), now: opts.Now, opts: opts, topics: make(map[protocol.ID]*joined)}
	if g.now == nil {
		g.now = time.Now
	}
	g.limits = newLimiter(time.Now)
	g.ctx, g.cancel = context.WithCancel(ctx)
	ps, err := pubsub.NewGossipSub(g.ctx, h, append(g.config(logger.With("component", "pubsub")), opts.pubsubOptions...)...)
	if err != nil {
		g.cancel()
		return nil, fmt.Errorf("start gossip: %w", err)
	}
	g.ps = ps
	return g, nil
}

// TopicName is the gossipsub topic of a community.
func TopicName(community protocol.ID) string { return topicPrefix + community.String() }

// Close leaves every community and stops pubsub. Pubsub's goroutines see
// the cancellation and exit on their own shortly after.
func (g *Gossip) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	topics := g.topics
	g.topics = nil
	g.mu.Unlock()

	var errs []error
	if g.ctx.Err() == nil { // else pubsub has stopped, and left every topic
		for c, j := range topics {
			if err := g.leave(c, j); err != nil {
				errs = append(errs, err)
			}
		}
	}
	g.cancel()
	for _, id := range protocols {
		g.h.RemoveStreamHandler(id)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close gossip: %w", err)
	}
	return nil
}
