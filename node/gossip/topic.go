package gossip

import (
	"context"
	"errors"
	"fmt"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// validateTimeout bounds one message's validation, store write included.
const validateTimeout = 10 * time.Second

// Join starts replicating a community: its topic validator stores every
// valid record that arrives, and accepted ones are forwarded. Joining a
// community already joined does nothing.
func (g *Gossip) Join(community protocol.ID) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("join community %s: %w", community, ErrClosed)
	}
	if _, ok := g.topics[community]; ok {
		return nil
	}
	g.held.Store(community, struct{}{})
	j, err := g.join(community)
	if err != nil {
		g.held.Delete(community)
		return fmt.Errorf("join community %s: %w", community, err)
	}
	g.topics[community] = j
	g.dropDisallowed(community, j.topic)
	return nil
}

// Recheck disconnects the peers of a joined community's topic that are no
// longer allowed in it (a member removed, a device record deleted):
// pubsub consults the peer filter only when it adds peers, and flood
// publishing would go on sending them the community's new records.
func (g *Gossip) Recheck(community protocol.ID) {
	g.refusedSubs.changed(community) // and who may be allowed now (Readmitted)
	g.mu.Lock()
	j := g.topics[community]
	g.mu.Unlock()
	if j != nil {
		g.dropDisallowed(community, j.topic)
	}
}

// Joined reports whether this node has joined a community's topic.
func (g *Gossip) Joined(community protocol.ID) bool { return g.holds(community) }

// holds reports whether this node has joined a community's topic.
func (g *Gossip) holds(community protocol.ID) bool {
	_, ok := g.held.Load(community)
	return ok
}

// dropDisallowed disconnects peers known to subscribe to a community they
// are not allowed in: their subscription was recorded before this node
// held the community or before they were refused (see subscriptionFilter),
// and flood publishing would send them its records. When they reconnect
// (Options.OnDrop), their subscriptions pass the filter afresh.
func (g *Gossip) dropDisallowed(community protocol.ID, t *pubsub.Topic) {
	if g.opts.AllowPeer == nil {
		return
	}
	for _, p := range t.ListPeers() {
		if !g.opts.AllowPeer(community, p) {
			g.log.Info("disconnect a peer subscribed to a community it is not allowed in", "community", community, "peer", p)
			if err := g.h.Network().ClosePeer(p); err != nil {
				g.log.Debug("disconnect peer", "peer", p, "err", err)
				continue
			}
			if g.opts.OnDrop != nil {
				g.opts.OnDrop(p)
			}
		}
	}
}

// join registers the validator before relaying starts, so that no message
// of the topic is ever forwarded unchecked, and undoes what it did on
// failure.
func (g *Gossip) join(community protocol.ID) (*joined, error) {
	name := TopicName(community)
	err := g.ps.RegisterTopicValidator(name, g.validator(community),
		pubsub.WithValidatorInline(true), pubsub.WithValidatorTimeout(validateTimeout))
	if err != nil {
		return nil, fmt.Errorf("register validator: %w", err)
	}
	t, err := g.ps.Join(name)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("join topic: %w", err), g.ps.UnregisterTopicValidator(name))
	}
	if err := t.SetScoreParams(topicScoreParams()); err != nil {
		return nil, errors.Join(fmt.Errorf("set topic score parameters: %w", err), t.Close(), g.ps.UnregisterTopicValidator(name))
	}
	cancel, err := t.Relay()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("relay topic: %w", err), t.Close(), g.ps.UnregisterTopicValidator(name))
	}
	return &joined{topic: t, cancel: cancel}, nil
}

// Leave stops replicating a community. Leaving a community not joined does
// nothing.
func (g *Gossip) Leave(community protocol.ID) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("leave community %s: %w", community, ErrClosed)
	}
	j, ok := g.topics[community]
	if !ok {
		return nil
	}
	delete(g.topics, community)
	g.held.Delete(community)
	return g.leave(community, j)
}

// leave stops relaying first (peers are told at once, and nothing more
// reaches the validator), then removes the validator and the topic.
func (g *Gossip) leave(community protocol.ID, j *joined) error {
	j.cancel()
	err := errors.Join(g.ps.UnregisterTopicValidator(TopicName(community)), j.topic.Close())
	if err != nil {
		return fmt.Errorf("leave community %s: %w", community, err)
	}
	return nil
}

// Publish sends a record to the peers of its community, which must be
// joined. The caller has stored r durably first: Publish only sends it.
// Every peer subscribed to the topic gets it at once (flood publishing),
// mesh or no mesh. A record that is not accepted in its community is not
// sent, and Publish returns ErrNotForwarded; nor is one whose author has
// published past the live rate, and Publish returns ErrRateLimited.
func (g *Gossip) Publish(ctx context.Context, r *protocol.Record) error {
	community := r.Community()
	g.mu.Lock()
	j, ok := g.topics[community]
	closed := g.closed
	g.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("publish record %s: %w", r.ID(), ErrClosed)
	case !ok:
		return fmt.Errorf("publish record %s: community %s: %w", r.ID(), community, ErrNotJoined)
	}
	if !g.limits.allowOwn(r.Header.Author) {
		return fmt.Errorf("publish record %s: %w", r.ID(), ErrRateLimited)
	}
	// Pubsub keeps the data slice without copying it: encode afresh every
	// time. The record rides along so the local validation skips decoding.
	err := j.topic.Publish(ctx, r.Encode(), pubsub.WithValidatorData(r))
	var verr pubsub.ValidationError
	if errors.As(err, &verr) && verr.Reason == pubsub.RejectValidationIgnored {
		return fmt.Errorf("publish record %s: %w", r.ID(), ErrNotForwarded)
	}
	if err != nil {
		return fmt.Errorf("publish record %s: %w", r.ID(), err)
	}
	return nil
}

// Peers lists the peers known to take part in a community's topic.
func (g *Gossip) Peers(community protocol.ID) []peer.ID {
	return g.ps.ListPeers(TopicName(community))
}
