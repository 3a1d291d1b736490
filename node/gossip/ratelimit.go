package gossip

import (
	"math"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// Live gossip carries what people write, and a person writes a few records
// a minute. Each author may have authorBurst records taken from gossip at
// once and one more every authorInterval; past that their records are
// ignored (neither stored nor forwarded: sync brings them later at its own
// pace, if they are wanted at all). A valid member flooding its community
// thus costs every node a bounded amount of work, however fast it sends.
//
// Records of authors not (yet) admitted are stored aside in case their
// join arrives later, and keys cost nothing to make: those each peer
// delivers are limited too, to pendingBurst and one every pendingInterval:
// a peer over it is graylisted, so a flood of fresh keys is slowed at its
// source. What bounds the disk is the store (store.Options.MaxAside), on
// every path.
const (
	authorBurst     = 60
	authorInterval  = time.Second
	pendingBurst    = 100
	pendingInterval = 10 * time.Second
	// maxBuckets bounds the buckets kept; full buckets are forgotten first.
	maxBuckets = 10_000
)

// Each record past a limit costs the peer that delivered it
// overLimitPenalty of application score, halving every overLimitHalfLife:
// 25 in a short while take a peer past the graylist threshold (-2500), so
// that pubsub stops processing what it sends. An honest peer forwards only
// what its own limits let through, and seldom pays.
const (
	overLimitPenalty  = 100
	overLimitHalfLife = time.Minute
)

// limiter applies the limits and keeps the peers' penalties. Pubsub calls
// score from its own goroutine, so everything is locked.
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[bucketKey]*bucket
	peers   map[peer.ID]*penalty
}

// bucketKey names a bucket: an author's, or a peer's for pending records.
type bucketKey struct {
	author protocol.PublicKey
	peer   peer.ID
}

type bucket struct {
	tokens float64
	at     time.Time
	burst  float64
	every  time.Duration
}

type penalty struct {
	value float64
	at    time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, buckets: make(map[bucketKey]*bucket), peers: make(map[peer.ID]*penalty)}
}

// allowAuthor takes one token from author's bucket, or charges from, the
// peer that delivered the record, and returns false.
func (l *limiter) allowAuthor(author protocol.PublicKey, from peer.ID) bool {
	return l.take(bucketKey{author: author}, authorBurst, authorInterval, from)
}

// allowOwn takes one token from author's bucket for a record this node
// publishes. Peers hold it to the same limit, and would penalise this
// node for records past it: those go by sync instead.
func (l *limiter) allowOwn(author protocol.PublicKey) bool {
	return l.take(bucketKey{author: author}, authorBurst, authorInterval, "")
}

// allowPending takes one token from the pending bucket of from, the peer
// that delivered a record whose author is not admitted, or charges it.
func (l *limiter) allowPending(from peer.ID) bool {
	return l.take(bucketKey{peer: from}, pendingBurst, pendingInterval, from)
}

// take takes a token from bucket k, made with burst and every if new, or
// charges from (unless empty) and returns false.
func (l *limiter) take(k bucketKey, burst float64, every time.Duration, from peer.ID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[k]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: burst, at: now, burst: burst, every: every}
		l.buckets[k] = b
	}
	b.tokens = b.refilled(now)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	if from == "" {
		return false
	}
	p := l.peers[from]
	if p == nil {
		p = &penalty{at: now}
		l.peers[from] = p
	}
	p.value = p.decayed(now) + overLimitPenalty
	p.at = now
	return false
}

func (b *bucket) refilled(now time.Time) float64 {
	return min(b.burst, b.tokens+now.Sub(b.at).Seconds()/b.every.Seconds())
}

// score is the application-specific score of a peer: minus its penalty.
func (l *limiter) score(p peer.ID) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	pen := l.peers[p]
	if pen == nil {
		return 0
	}
	v := pen.decayed(l.now())
	if v < 1 {
		delete(l.peers, p)
		return 0
	}
	return -v
}

func (p *penalty) decayed(now time.Time) float64 {
	return p.value * math.Exp2(-now.Sub(p.at).Seconds()/overLimitHalfLife.Seconds())
}

// forgetFull drops the buckets that have refilled: forgetting them loses
// nothing, a new bucket starts full. If none has (a flood from more
// authors than maxBuckets, which takes as many admitted members), it
// drops them all rather than grow without bound.
func (l *limiter) forgetFull(now time.Time) {
	for k, b := range l.buckets {
		if b.refilled(now) >= b.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
