package gossip

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// failingStore fails every ingest.
type failingStore struct{}

func (failingStore) Ingest(context.Context, *protocol.Record) (protocol.Status, bool, error) {
	return 0, false, errors.New("disk full")
}

// TestValidator rules on single messages, without a network.
func TestValidator(t *testing.T) {
	founder, bob := prototest.Key("founder"), prototest.Key("bob")
	genesis := community(t, founder)
	id := genesis.ID()
	other := prototest.Sign(t, founder, protocol.ID{}, time.Now(), protocol.Refs{}, &protocol.Community{Name: "Other", Policy: protocol.JoinOpen})
	founderJoin := join(t, founder, id)
	accepted := post(t, founder, id, "accepted")
	pending := post(t, bob, id, "pending")
	future := prototest.Sign(t, founder, id, time.Now().Add(time.Hour), protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "future"})
	badSig := accepted.Encode()
	badSig[len(badSig)-1] ^= 1

	self := newHost(t)
	st := newMemStore()
	var seen []protocol.ID
	g := &Gossip{h: self, store: st, log: slog.Default(), now: time.Now, limits: newLimiter(time.Now), opts: Options{
		OnRecord: func(r *protocol.Record, _ protocol.Status) { seen = append(seen, r.ID()) },
	}}
	remote := peer.ID("remote")
	check := func(name string, from peer.ID, data []byte, r *protocol.Record, want pubsub.ValidationResult) {
		t.Helper()
		msg := &pubsub.Message{Message: &pb.Message{Data: data}, ValidatorData: r}
		if got := g.validator(id)(context.Background(), from, msg); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	for _, r := range []*protocol.Record{genesis, founderJoin} {
		check(r.Header.Kind.String(), remote, r.Encode(), nil, pubsub.ValidationAccept)
	}
	check("accepted post", remote, accepted.Encode(), nil, pubsub.ValidationAccept)
	check("accepted post again (a replay)", remote, accepted.Encode(), nil, pubsub.ValidationIgnore)
	check("accepted post again, published here", self.ID(), accepted.Encode(), accepted, pubsub.ValidationAccept)
	check("pending post", remote, pending.Encode(), nil, pubsub.ValidationIgnore)
	check("bad signature", remote, badSig, nil, pubsub.ValidationReject)
	check("garbage", remote, []byte("garbage"), nil, pubsub.ValidationReject)
	check("other community", remote, other.Encode(), nil, pubsub.ValidationReject)
	check("created an hour ahead", remote, future.Encode(), nil, pubsub.ValidationIgnore)
	// Validator data is trusted from a local publish only.
	check("remote with validator data", remote, badSig, accepted, pubsub.ValidationReject)
	local := post(t, founder, id, "local")
	check("local publish", self.ID(), local.Encode(), local, pubsub.ValidationAccept)

	want := []protocol.ID{genesis.ID(), founderJoin.ID(), accepted.ID(), pending.ID()}
	if len(seen) != len(want) {
		t.Fatalf("OnRecord saw %d records, want %d (new records from the network only)", len(seen), len(want))
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("OnRecord %d: %s, want %s", i, seen[i], want[i])
		}
	}
	for _, r := range []*protocol.Record{other, future} {
		if st.has(r.ID()) {
			t.Errorf("stored the refused record %s", r.ID())
		}
	}

	g.store = failingStore{}
	check("store failure", remote, post(t, founder, id, "lost").Encode(), nil, pubsub.ValidationIgnore)
}

func TestTopicName(t *testing.T) {
	id := community(t, prototest.Key("founder")).ID()
	name := TopicName(id)
	if name != "/kith/community/1/"+id.String() {
		t.Errorf("topic name %q", name)
	}
	if got, ok := communityOf(name); !ok || got != id {
		t.Errorf("communityOf(%q) = %s, %v", name, got, ok)
	}
	for _, bad := range []string{"", "/kith/community/1/", "/kith/community/1/zz", "/other/" + id.String(), "/kith/community/1/" + id.String() + "x"} {
		if _, ok := communityOf(bad); ok {
			t.Errorf("communityOf(%q) accepted", bad)
		}
	}
}
