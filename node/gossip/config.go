package gossip

import (
	"log/slog"
	"net"
	"strings"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	p2pprotocol "github.com/libp2p/go-libp2p/core/protocol"

	"github.com/kith-network/kith/protocol"
)

// topicPrefix starts every Kith topic name; the community id follows.
const topicPrefix = "/kith/community/1/"

// protocols are the stream protocols Kith gossip speaks: gossipsub v1.2
// under Kith's own name, so that Kith nodes never mesh with other
// applications' gossipsub peers (whose limits and topics differ).
var protocols = []p2pprotocol.ID{"/kith/meshsub/1.2.0"}

// features says what the protocol supports: everything gossipsub v1.2
// does (mesh, peer exchange, IDONTWANT).
func features(f pubsub.GossipSubFeature, _ p2pprotocol.ID) bool {
	switch f {
	case pubsub.GossipSubFeatureMesh, pubsub.GossipSubFeaturePX, pubsub.GossipSubFeatureIdontwant:
		return true
	}
	return false
}

// Dialect returns the pubsub options a peer needs to speak Kith gossip at
// all: the protocol name, unsigned messages without author, and record ids
// for message ids. Kith's own validation, limits and scoring come on top;
// tests build hostile peers from the dialect alone.
func Dialect() []pubsub.Option {
	return []pubsub.Option{
		pubsub.WithGossipSubProtocols(protocols, features),
		// Records carry their authors' signatures; pubsub's own signature
		// and author fields would only add bytes and reveal the origin.
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(messageID),
	}
}

// Queue and size limits. Gossip drops messages silently when a queue is
// full, so queues hold a few thousand: a burst of records (a member posting
// from a backlog, a new member's join flood) fits.
const (
	queueSize = 4096
	// maxRPCSize bounds one pubsub RPC: a record of the largest size with
	// room for the topic name, framing and piggybacked control messages.
	maxRPCSize = protocol.MaxRecordBytes + 64<<10
	// maxSubscriptions bounds the topics one RPC may subscribe to.
	maxSubscriptions = 2000
)

// config returns the pubsub options Gossip runs with; pubsub logs to log.
func (g *Gossip) config(log *slog.Logger) []pubsub.Option {
	opts := append(Dialect(),
		pubsub.WithFloodPublish(true),
		pubsub.WithValidateQueueSize(queueSize),
		pubsub.WithValidateWorkers(1),
		pubsub.WithPeerOutboundQueueSize(queueSize),
		pubsub.WithMaxMessageSize(maxRPCSize),
		pubsub.WithPeerScore(g.peerScoreParams(), peerScoreThresholds()),
		pubsub.WithPeerScoreInspect(g.inspectScores, scoreInspectEvery),
		pubsub.WithSubscriptionFilter(pubsub.WrapLimitSubscriptionFilter(subscriptionFilter{g.opts.AllowPeer, g.holds, &g.refusedSubs}, maxSubscriptions)),
		pubsub.WithLogger(log),
	)
	if g.opts.Tracer != nil {
		opts = append(opts, pubsub.WithRawTracer(g.opts.Tracer))
	}
	if allow := g.opts.AllowPeer; allow != nil {
		opts = append(opts, pubsub.WithPeerFilter(func(p peer.ID, topic string) bool {
			c, ok := communityOf(topic)
			return ok && allow(c, p)
		}))
	}
	return opts
}

// communityOf returns the community of a Kith topic name.
func communityOf(topic string) (protocol.ID, bool) {
	hex, ok := strings.CutPrefix(topic, topicPrefix)
	if !ok {
		return protocol.ID{}, false
	}
	id, err := protocol.ParseID(hex)
	if err != nil || TopicName(id) != topic {
		return protocol.ID{}, false
	}
	return id, true
}

// subscriptionFilter keeps track only of subscriptions to Kith topics, by
// peers that AllowPeer (if set) allows. The peer filter alone keeps
// disallowed peers out of the mesh, but flood publishing sends to every
// peer known to subscribe: a subscription that is never recorded keeps a
// community's records from ever being sent to that peer.
//
// Subscriptions to a community this node does not hold are recorded
// whatever AllowPeer says (it cannot judge them, and there is nothing to
// send): a peer announces its subscriptions once, when it connects, so a
// node that joins a community after connecting to its members would
// otherwise never know they are in its topic, and its own records would
// reach them only by sync. Join sorts out the ones recorded that way.
type subscriptionFilter struct {
	allow   func(protocol.ID, peer.ID) bool
	holds   func(protocol.ID) bool
	refused *refusedSubs // where refusals are noted (Readmitted)
}

// CanSubscribe allows this node to join Kith topics only.
func (f subscriptionFilter) CanSubscribe(topic string) bool {
	_, ok := communityOf(topic)
	return ok
}

// FilterIncomingSubscriptions keeps a peer's subscriptions to Kith topics
// that the peer is allowed in.
func (f subscriptionFilter) FilterIncomingSubscriptions(from peer.ID, subs []*pb.RPC_SubOpts) ([]*pb.RPC_SubOpts, error) {
	return pubsub.FilterSubscriptions(subs, func(topic string) bool {
		c, ok := communityOf(topic)
		allowed := ok && (f.allow == nil || !f.holds(c) || f.allow(c, from))
		if ok && !allowed && f.refused != nil && subscribes(subs, topic) {
			f.refused.note(from, c)
		}
		return allowed
	}), nil
}

// loopback addresses are spared the IP colocation penalty: on one machine
// every peer shares an address, and a test network of more than a few
// nodes would otherwise score itself into silence.
var loopback = []*net.IPNet{
	{IP: net.IPv4(127, 0, 0, 0), Mask: net.CIDRMask(8, 32)},
	{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
}

// peerScoreParams weigh peers across topics. Communities are quiet, so
// nothing penalises a peer for staying silent; what lowers a score is
// invalid records (per topic, see topicScoreParams), records past the rate
// limits (the application-specific score, see ratelimit.go), protocol
// misbehaviour and crowding from one IP address.
func (g *Gossip) peerScoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics:                      make(map[string]*pubsub.TopicScoreParams),
		TopicScoreCap:               10,
		AppSpecificScore:            g.limits.score,
		AppSpecificWeight:           1,
		IPColocationFactorWeight:    -1,
		IPColocationFactorThreshold: 10,
		IPColocationFactorWhitelist: loopback,
		BehaviourPenaltyWeight:      -1,
		BehaviourPenaltyThreshold:   6,
		BehaviourPenaltyDecay:       pubsub.ScoreParameterDecay(10 * time.Minute),
		DecayInterval:               pubsub.DefaultDecayInterval,
		DecayToZero:                 pubsub.DefaultDecayToZero,
		RetainScore:                 30 * time.Minute,
	}
}

// peerScoreThresholds: below -500 a peer gets no gossip, below -1000 no
// published records, below -2500 nothing it sends is processed. Scores
// reach at most +10, so peer exchange (off anyway) is never accepted.
func peerScoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             -500,
		PublishThreshold:            -1000,
		GraylistThreshold:           -2500,
		AcceptPXThreshold:           100,
		OpportunisticGraftThreshold: 1,
	}
}

// topicScoreParams weigh peers in one community's topic: time in the mesh
// and first deliveries of valid records earn a little, each invalid record
// costs 10 times the square of their count (one: -10, ten: -1000, past
// graylisting at sixteen), forgotten over about an hour.
func topicScoreParams() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight:                    1,
		TimeInMeshWeight:               0.01,
		TimeInMeshQuantum:              time.Second,
		TimeInMeshCap:                  300,
		FirstMessageDeliveriesWeight:   1,
		FirstMessageDeliveriesDecay:    pubsub.ScoreParameterDecay(time.Hour),
		FirstMessageDeliveriesCap:      10,
		InvalidMessageDeliveriesWeight: -10,
		InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
	}
}

// scoreInspectEvery is how often Score's snapshot of peer scores renews.
const scoreInspectEvery = time.Second

func (g *Gossip) inspectScores(scores map[peer.ID]float64) {
	g.scores.Store(&scores)
}

// Score returns a peer's gossip score as of at most a second ago, and
// whether pubsub scores it at all (it does every connected gossip peer).
// Below zero the peer sent invalid records or more than the rate limits;
// below -2500 nothing it sends is processed.
func (g *Gossip) Score(p peer.ID) (float64, bool) {
	m := g.scores.Load()
	if m == nil {
		return 0, false
	}
	s, ok := (*m)[p]
	return s, ok
}
