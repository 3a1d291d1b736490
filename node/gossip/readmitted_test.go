package gossip

import (
	"testing"

	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// TestRefusedSubscriptionsNoted: the filter notes a subscription it
// refuses, and nothing else: not one it allows, not an unsubscription,
// not a subscription and unsubscription in one message (which pubsub
// drops as a pair, whoever asks).
func TestRefusedSubscriptionsNoted(t *testing.T) {
	var open, closed protocol.ID
	open[0], closed[0] = 1, 2
	sub := func(c protocol.ID, on bool) *pb.RPC_SubOpts {
		topic := TopicName(c)
		return &pb.RPC_SubOpts{Topicid: &topic, Subscribe: &on}
	}
	var refused refusedSubs
	f := subscriptionFilter{
		allow:   func(c protocol.ID, _ peer.ID) bool { return c == open },
		holds:   func(protocol.ID) bool { return true },
		refused: &refused,
	}
	p := peer.ID("peer")
	for _, subs := range [][]*pb.RPC_SubOpts{
		{sub(open, true)},
		{sub(open, true), sub(open, false)},
		{sub(closed, false)},
	} {
		if _, err := f.FilterIncomingSubscriptions(p, subs); err != nil {
			t.Fatal(err)
		}
	}
	if len(refused.by) != 0 {
		t.Fatalf("noted %v, want nothing", refused.by)
	}
	if _, err := f.FilterIncomingSubscriptions(p, []*pb.RPC_SubOpts{sub(closed, true)}); err != nil {
		t.Fatal(err)
	}
	if !refused.by[p][closed] || len(refused.by[p]) != 1 {
		t.Errorf("noted %v, want the refused subscription to the closed community", refused.by)
	}
}
