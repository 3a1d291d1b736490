package gossip

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/fxamacker/cbor/v2"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// validator checks, stores and rules on one message of a community's topic:
//
//   - not a valid record, or one of another community: Reject, which
//     lowers the sender's score (a record whose created time is ahead of
//     our clock is only Ignored: the sender's clock may simply be ahead);
//   - stored and accepted: Accept, so it is forwarded;
//   - stored but pending or removed: Ignore, kept but not forwarded, and
//     the sender is not penalised (it may know a join we lack) unless it
//     sends more of them than the pending limit (see ratelimit.go);
//   - refused by the store (its community holds as many records set aside
//     as it keeps): Ignore, and charged like a record kept aside;
//   - held already (a replay): Ignore;
//   - its author past the rate limit: Ignore, not stored, and the sender
//     is penalised;
//   - the store failed: Ignore, and the error is logged.
//
// Pubsub runs it on one worker, in the order messages arrive, so that a
// join received before a post is stored before it: run in parallel, the
// post could be found pending and not forwarded.
func (g *Gossip) validator(community protocol.ID) pubsub.ValidatorEx {
	return func(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		local := from == g.h.ID()
		r, _ := msg.ValidatorData.(*protocol.Record)
		if r == nil || !local {
			var err error
			r, err = protocol.Validate(msg.Data, g.now())
			if err != nil {
				g.log.Debug("invalid record", "peer", from, "community", community, "err", err)
				g.refused(string(protocol.RuleOf(err)))
				if errors.Is(err, protocol.ErrCreated) {
					return pubsub.ValidationIgnore
				}
				return pubsub.ValidationReject
			}
		}
		if c := r.Community(); c != community {
			g.log.Debug("record of another community", "peer", from, "record", r.ID(), "community", c, "topic", community)
			g.refused(RefusedOtherCommunity)
			return pubsub.ValidationReject
		}
		if !local && !g.limits.allowAuthor(r.Header.Author, from) {
			g.log.Debug("author over its rate, record ignored", "peer", from, "record", r.ID(), "author", r.Header.Author)
			g.refused(RefusedRateLimit)
			return pubsub.ValidationIgnore
		}
		status, added, err := g.store.Ingest(ctx, r)
		if errors.Is(err, ErrRefused) {
			if !local && !g.limits.allowPending(from) {
				g.log.Debug("peer over its rate of records not admitted", "peer", from)
			}
			return pubsub.ValidationIgnore
		}
		if err != nil {
			g.log.Warn("store record from gossip", "peer", from, "record", r.ID(), "err", err)
			return pubsub.ValidationIgnore
		}
		if !added && !local {
			// Held already (from sync, or a replay after pubsub forgot the
			// message id): the mesh had its chance at it. A local record
			// was stored by Publish's caller and is sent now.
			return pubsub.ValidationIgnore
		}
		if added && !local && g.opts.OnRecord != nil {
			g.opts.OnRecord(r, status)
		}
		if status != protocol.StatusAccepted {
			g.log.Debug("record not forwarded", "peer", from, "record", r.ID(), "status", status)
			if !local && !g.limits.allowPending(from) {
				g.log.Debug("peer over its rate of records not admitted", "peer", from)
			}
			return pubsub.ValidationIgnore
		}
		return pubsub.ValidationAccept
	}
}

func (g *Gossip) refused(reason string) {
	if g.opts.OnRefuse != nil {
		g.opts.OnRefuse(reason)
	}
}

// envelope is the outer form of an encoded record: the header exactly as
// hashed, then the body and the signature. It mirrors protocol's own.
type envelope struct {
	_      struct{} `cbor:",toarray"`
	Header cbor.RawMessage
	Body   []byte
	Sig    []byte
}

// messageID is the message id of a record: its record id, the SHA-256 of
// its header bytes, found without validating the record (pubsub asks for
// the id of every message before validating it). Data that is not a record
// envelope gets the SHA-256 of all of it, which no record id can equal.
//
// Two messages with the same header are one message to pubsub even if their
// bodies or signatures differ: a peer that relays a corrupted copy first
// gets it rejected and penalised, and the genuine copy is then dropped as
// already seen, to arrive by sync instead.
func messageID(m *pb.Message) string {
	var env envelope
	if err := cbor.Unmarshal(m.GetData(), &env); err == nil && len(env.Header) > 0 {
		id := sha256.Sum256(env.Header)
		return string(id[:])
	}
	id := sha256.Sum256(m.GetData())
	return string(id[:])
}
