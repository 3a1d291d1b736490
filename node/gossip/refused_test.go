package gossip

import (
	"context"
	"fmt"
	"testing"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// refusingStore refuses every record, as a store holding as many records
// of authors not admitted as it keeps does.
type refusingStore struct{}

func (refusingStore) Ingest(context.Context, *protocol.Record) (protocol.Status, bool, error) {
	return protocol.StatusPending, false, ErrRefused
}

// TestRefusedRecordsChargeTheSender: records the store refuses are
// ignored, not forwarded, and count against the sender's allowance of
// records not admitted, as records it keeps aside do: once a community's
// bound is full, a flood of fresh keys still costs its sender.
func TestRefusedRecordsChargeTheSender(t *testing.T) {
	g, err := New(context.Background(), newHost(t), refusingStore{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	id := community(t, prototest.Key("founder")).ID()
	validate := g.validator(id)
	flooder := newHost(t).ID()
	for i := range pendingBurst {
		r := post(t, prototest.Key(fmt.Sprint("fresh key ", i)), id, "flood")
		msg := &pubsub.Message{Message: &pb.Message{Data: r.Encode()}}
		if got := validate(context.Background(), flooder, msg); got != pubsub.ValidationIgnore {
			t.Fatalf("refused record %d: %v, want ignore", i, got)
		}
	}
	if g.limits.allowPending(flooder) {
		t.Error("the sender of refused records was not charged for them")
	}
}
