package gossip

import (
	"math"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter(func() time.Time { return now })
	author := protocol.PublicKeyOf(prototest.Key("spammer"))
	spammer, honest := peer.ID("spammer"), peer.ID("honest")

	for i := range authorBurst {
		if !l.allowAuthor(author, spammer) {
			t.Fatalf("record %d of a burst refused", i+1)
		}
	}
	if l.allowAuthor(author, spammer) {
		t.Fatal("a record past the burst allowed")
	}
	if got := l.score(spammer); got != -overLimitPenalty {
		t.Errorf("spammer's score %v, want %v", got, -overLimitPenalty)
	}
	if got := l.score(honest); got != 0 {
		t.Errorf("honest peer's score %v", got)
	}
	now = now.Add(authorInterval)
	if !l.allowAuthor(author, spammer) {
		t.Error("a record an interval later refused")
	}
	if l.allowAuthor(author, spammer) {
		t.Error("two records an interval later allowed")
	}
	// Penalties add up and halve every half-life.
	two := overLimitPenalty*math.Exp2(-authorInterval.Seconds()/overLimitHalfLife.Seconds()) + overLimitPenalty
	if got := l.score(spammer); math.Abs(got+two) > 0.01 {
		t.Errorf("after two refusals: %v, want %v", got, -two)
	}
	now = now.Add(overLimitHalfLife)
	if got := l.score(spammer); math.Abs(got+two/2) > 0.01 {
		t.Errorf("a half-life later: %v, want %v", got, -two/2)
	}
	now = now.Add(20 * overLimitHalfLife)
	if got := l.score(spammer); got != 0 {
		t.Errorf("long after: %v, want 0", got)
	}
	// Another author is not held back by the first.
	if !l.allowAuthor(protocol.PublicKeyOf(prototest.Key("other")), honest) {
		t.Error("another author refused")
	}

	// Records of authors not admitted: limited per delivering peer.
	for i := range pendingBurst {
		if !l.allowPending(spammer) {
			t.Fatalf("pending record %d refused", i+1)
		}
	}
	if l.allowPending(spammer) {
		t.Error("a pending record past the burst allowed")
	}
	if !l.allowPending(honest) {
		t.Error("another peer's pending record refused")
	}
}

// TestLimiterBounded: a flood of fresh authors does not grow the buckets
// past maxBuckets.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter(func() time.Time { return now })
	var key protocol.PublicKey
	for i := range 3 * maxBuckets {
		key[0], key[1], key[2] = byte(i), byte(i>>8), byte(i>>16)
		l.allowAuthor(key, "flooder")
		if len(l.buckets) > maxBuckets {
			t.Fatalf("%d buckets after %d authors", len(l.buckets), i+1)
		}
	}
}
