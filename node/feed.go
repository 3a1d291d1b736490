package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// eventBuffer is how many events a subscriber may fall behind by before
// it misses some (and is told how many).
const eventBuffer = 1024

// eventFeed fans out what the node stored to the API's event streams.
type eventFeed struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	stopped bool
}

type subscriber struct {
	ch      chan api.FeedItem
	done    chan struct{} // closed by stop
	dropped int           // events missed since the last one delivered
}

// stop ends every stream, so that the API server can shut down: it waits
// for requests to finish, and an event stream never does by itself.
func (e *eventFeed) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped = true
	for s := range e.subs {
		close(s.done)
	}
	e.subs = nil
}

// ingest stores records from peers through the store's one path and
// announces those newly stored.
func (n *Node) ingest(ctx context.Context, records []*protocol.Record, via string) error {
	outs, err := n.store.Ingest(ctx, records)
	n.stored(records, outs, via)
	return err
}

// stored announces records newly stored, and how they came.
func (n *Node) stored(records []*protocol.Record, outcomes []store.Outcome, via string) {
	for i, out := range outcomes {
		if out.Refused {
			n.refusedAside(out, via)
		}
		if out.Restored && i < len(records) {
			n.log.Info("took back the text of a record whose deletion no longer holds (its moderator's role was revoked before it)",
				"record", out.ID, "community", records[i].Community(), "via", via)
		}
		if (out.Added || out.Restored) && i < len(records) {
			n.storedOne(records[i], out.Status, via)
		}
	}
}

// refusedAside counts a record the store would not set aside: its
// community holds as many records of authors not admitted as it keeps.
func (n *Node) refusedAside(out store.Outcome, via string) {
	n.log.Debug("record refused: too many records of authors not admitted", "record", out.ID, "status", out.Status, "via", via)
	n.metrics.refuse(via, "aside-limit")
}

// storedOne announces one record newly stored.
func (n *Node) storedOne(r *protocol.Record, status protocol.Status, via string) {
	n.metrics.stored(via, status)
	// A join too: it can take an invite's last use from a join that had
	// it, which then admits no one.
	// A device record too: it may let a node in that connected before.
	if k := r.Header.Kind; k == protocol.KindRole || k == protocol.KindTombstone || k == protocol.KindJoin || k == protocol.KindDevice {
		n.recheckPeers(r.Community())
	}
	if role, ok := r.Content().(*protocol.Role); ok && role.Member == n.id.MemberKey() && via != "local" && via != "fetch" {
		n.sayStanding(r, role)
	}
	if r.Header.Kind == protocol.KindProfile && r.Header.Author == n.id.MemberKey() && via != "local" {
		select { // one spread pending is enough: it reads the newest
		case n.profileCame <- struct{}{}:
		default:
		}
	}
	n.filesStored(r, status)
	if n.index != nil {
		n.index.stored(r, via == "local")
	}
	n.feed.publish(api.FeedItem{Type: "record", Record: &api.RecordEvent{
		ID: r.ID(), Community: r.Community(), Kind: r.Header.Kind.String(), Author: r.Header.Author,
		Created: r.Header.Created, Stored: time.Now().UnixMilli(), Status: status.String(), Via: via,
	}})
}

func (e *eventFeed) publish(ev api.FeedItem) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.subs {
		if s.dropped > 0 {
			select {
			case s.ch <- api.FeedItem{Type: "dropped", Dropped: s.dropped}:
				s.dropped = 0
			default:
				s.dropped++
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			s.dropped++ // a slow reader misses events rather than slow the node
		}
	}
}

// Feed implements api.Backend: what is stored from now until ctx ends.
func (n *Node) Feed(ctx context.Context) (<-chan api.FeedItem, error) {
	s := &subscriber{ch: make(chan api.FeedItem, eventBuffer), done: make(chan struct{})}
	n.feed.mu.Lock()
	if n.feed.stopped {
		n.feed.mu.Unlock()
		return nil, errors.New("the node is stopping")
	}
	if n.feed.subs == nil {
		n.feed.subs = make(map[*subscriber]struct{})
	}
	n.feed.subs[s] = struct{}{}
	n.feed.mu.Unlock()
	out := make(chan api.FeedItem)
	n.tasks.Go(func() {
		defer close(out)
		defer func() {
			n.feed.mu.Lock()
			delete(n.feed.subs, s) // a no-op once stopped
			n.feed.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case ev := <-s.ch:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				case <-s.done:
					return
				}
			}
		}
	})
	return out, nil
}

// sayStanding logs a role record about this node's member that came from
// the network (a moderator removed, admitted or promoted the member), if
// it is the one that sets the member's standing now, with the
// community's name, that standing, and the reason.
func (n *Node) sayStanding(r *protocol.Record, role *protocol.Role) {
	m := n.store.Membership(r.Community())
	if m == nil || m.Genesis == nil {
		return
	}
	if m.LastChange(n.id.MemberKey()) != r.ID() {
		return // a role record without effect (by someone who does not moderate), or older than the one in force
	}
	st := m.Standing(n.id.MemberKey())
	args := []any{"community", m.Genesis.Name, "id", r.Community(), "action", roleNames[role.Action], "standing", st, "reason", role.Reason}
	if st == protocol.StandingRemoved {
		n.log.Warn("a moderator removed you from a community: members' nodes no longer take your records there (kith community forget deletes it from this node)", args...)
		return
	}
	n.log.Info("a moderator changed your standing in a community", args...)
}
