package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/gossip"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// fetchProtocol hands a peer a community's records created since a time:
// the peer sends the community id, the time (unix ms; 0 for the whole
// history) and its own new records (a joiner's join and device record, so
// that an invite-only community's members can tell it is one of theirs),
// and receives every accepted record of the community since then, in
// order. A peer that refuses sends one frame instead, fetchRefusal then
// why in words, so that the person joining learns the reason rather than
// "stream reset".
//
// A newcomer uses it once, to hand its inviter the records that admit it
// and take the whole history; after that, catch-up sync (syncProtocol)
// keeps members whole by exchanging only what differs.
const fetchProtocol = "/kith/fetch/1.0.0"

const (
	maxSubmitted = 16  // records a joiner may hand over
	fetchBatch   = 256 // records read from the store, or ingested, at a time
	maxFrame     = protocol.MaxRecordBytes
	// fetchRefusal starts a frame that carries a refusal, not a record,
	// and fetchRetry one for now only (the same request may work in a
	// moment): a record is CBOR and never starts with 0x00 or 0x01.
	fetchRefusal = 0x00
	fetchRetry   = 0x01
	// maxRefusal bounds the reason a peer may send, in bytes.
	maxRefusal = 300
)

// A fetch may take long: a big community's whole history is hundreds of
// thousands of records, minutes of work. So what bounds it is progress,
// not the whole: a fetch fails when no record goes (or comes) for
// fetchIdle (a peer gone, or one that stalls), and, to bound what one
// peer's request may hold of the serving node, after fetchMax in all.
var (
	fetchIdle = 30 * time.Second
	fetchMax  = time.Hour
)

// refusal is an error answerFetch sends to the peer as the reason for a
// refusal, in words for the person behind that node, and whether trying
// again soon may work; other errors (the peer's stream failing, the
// store) reset the stream without a word.
type refusal struct {
	why   string
	retry bool
}

func (r refusal) Error() string { return r.why }

// refused is a final refusal, saying why.
func refused(format string, args ...any) refusal { return refusal{why: fmt.Sprintf(format, args...)} }

// serveFetch answers a fetch request from a peer.
func (n *Node) serveFetch(s network.Stream) {
	defer s.Close()
	s.SetDeadline(time.Now().Add(fetchIdle))
	ctx, cancel := context.WithTimeout(n.ctx, fetchMax)
	defer cancel()
	defer resetOnDone(ctx, s)()
	remote := s.Conn().RemotePeer()
	if err := n.answerFetch(ctx, s, remote); err != nil {
		n.log.Info("fetch request refused or failed", "peer", remote, "err", err)
		var why refusal
		if !errors.As(err, &why) {
			s.Reset()
			return
		}
		w := bufio.NewWriter(s)
		marker := byte(fetchRefusal)
		if why.retry {
			marker = fetchRetry
		}
		if writeFrame(w, append([]byte{marker}, why.why[:min(len(why.why), maxRefusal)]...)) != nil || w.Flush() != nil {
			s.Reset()
		}
	}
}

func (n *Node) answerFetch(ctx context.Context, s network.Stream, remote peer.ID) error {
	r := bufio.NewReader(s)
	var head [idLenBytes + 8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	community := protocol.ID(head[:idLenBytes])
	since := int64(binary.BigEndian.Uint64(head[idLenBytes:]))
	// Only a community this node holds: a stranger must not plant one.
	if m := n.store.Membership(community); m == nil || m.Genesis == nil {
		return refused("this node holds no community %s", community)
	} else if m.Standing(n.id.MemberKey()) == protocol.StandingRemoved {
		// Peers cut a removed member's node off: its copy is stale by
		// design, and no judge of who may join or what the history is.
		return refused("this node's member was removed from community %s: it serves no copy of it", community)
	}
	count, err := binary.ReadUvarint(r)
	if err != nil || count > maxSubmitted {
		return fmt.Errorf("bad submitted record count")
	}
	var submitted []*protocol.Record
	for range count {
		data, err := readFrame(r)
		if err != nil {
			return err
		}
		rec, err := n.validate(data, "fetch")
		if errors.Is(err, protocol.ErrCreated) {
			// Said to the joiner: "offline" would send them looking for
			// the wrong fault.
			return refused("your join is dated ahead of this node's clock (%v): is your computer's clock right?", err)
		}
		if err != nil {
			return fmt.Errorf("submitted record: %w", err)
		}
		if rec.Community() != community {
			n.metrics.refuse("fetch", gossip.RefusedOtherCommunity)
			return errors.New("submitted record of another community")
		}
		if why := submittable(rec, remote); why != "" {
			n.metrics.refuse("fetch", "not-submittable")
			return refused("your record %s is refused: %s", rec.ID(), why)
		}
		submitted = append(submitted, rec)
	}
	if err := n.ingest(ctx, submitted, "fetch"); err != nil {
		return err
	}
	for _, rec := range submitted {
		if err := n.gossip.Publish(ctx, rec); err != nil {
			n.log.Debug("forward submitted record", "err", err)
		}
	}
	if !n.allowPeer(community, remote) {
		return refusal(joinRefusal(n.store.Membership(community), submitted))
	}
	w := bufio.NewWriter(s)
	lower := protocol.Position{Created: since}
	for {
		positions := n.store.Positions(community, lower, protocol.MaxPosition, fetchBatch)
		if len(positions) == 0 {
			break
		}
		ids := make([]protocol.ID, len(positions))
		for i, p := range positions {
			ids[i] = p.ID
		}
		recs, err := n.store.Records(ctx, community, ids)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			s.SetWriteDeadline(time.Now().Add(fetchIdle))
			if err := writeFrame(w, rec.Encode()); err != nil {
				return err
			}
		}
		last := positions[len(positions)-1]
		lower = protocol.Position{Created: last.Created, ID: nextID(last.ID)}
		if lower.ID == (protocol.ID{}) { // wrapped: the next created time
			lower = protocol.Position{Created: last.Created + 1}
		}
	}
	if err := writeFrame(w, nil); err != nil {
		return err
	}
	return w.Flush()
}

// submittable says why a record may not be handed over with a fetch
// request, or "" if it may: only what a joiner brings (the genesis and the
// invite from its code, its join, and a device record for the very node
// asking) or what admits a member a moderator admitted (role records that
// admit or grant; each is signed by a moderator or has no effect), so that the fetch protocol is no back door around gossip's
// rate limits and sync's membership checks.
func submittable(r *protocol.Record, remote peer.ID) string {
	switch b := r.Content().(type) {
	case *protocol.Community, *protocol.Invite, *protocol.Join:
		return ""
	case *protocol.Role:
		// What admits a member whom a moderator admitted: the admit, or a
		// grant (of the member, or of the moderators in its chain).
		if b.Action != protocol.RoleAdmit && b.Action != protocol.RoleModerator {
			return "a role record that admits no one"
		}
		return ""
	case *protocol.Device:
		if peer.ID(b.PeerID) != remote {
			return "a device record for another node than the one asking"
		}
		return ""
	}
	return "a " + r.Header.Kind.String() + " record (a joiner brings only the records that admit it and its device record)"
}

// nextID is the ID just after id (zero if id is the largest).
func nextID(id protocol.ID) protocol.ID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]++
		if id[i] != 0 {
			return id
		}
	}
	return id
}

const idLenBytes = len(protocol.ID{})

// fetch asks a peer for a community's records created since a time (unix
// ms), handing it our records, and stores what it sends, telling progress
// (if not nil) how many it stored so far.
func (n *Node) fetch(ctx context.Context, p peer.ID, community protocol.ID, since int64, submit []*protocol.Record, progress func(stored int)) error {
	ctx, cancel := context.WithTimeout(ctx, fetchMax)
	defer cancel()
	s, err := n.newStream(ctx, p, fetchProtocol)
	if err != nil {
		return fmt.Errorf("open fetch stream to %s: %w", p, err)
	}
	defer s.Close()
	defer resetOnDone(ctx, s)()
	s.SetDeadline(time.Now().Add(fetchIdle))
	var req bytes.Buffer
	req.Write(community[:])
	req.Write(binary.BigEndian.AppendUint64(nil, uint64(since)))
	req.Write(binary.AppendUvarint(nil, uint64(min(len(submit), maxSubmitted))))
	for _, rec := range submit[:min(len(submit), maxSubmitted)] {
		if err := writeFrame(&req, rec.Encode()); err != nil {
			return err
		}
	}
	if _, err := s.Write(req.Bytes()); err != nil {
		return fmt.Errorf("send fetch request: %w", err)
	}
	if err := s.CloseWrite(); err != nil {
		return err
	}
	r := bufio.NewReader(s)
	var batch []*protocol.Record
	total := 0
	tally := new(received)
	defer tally.report(n.log, community)
	for {
		s.SetReadDeadline(time.Now().Add(fetchIdle))
		data, err := readFrame(r)
		if err != nil {
			return fmt.Errorf("fetch from %s after %d records: %w", p, total, err)
		}
		if data == nil {
			break
		}
		if data[0] == fetchRefusal || data[0] == fetchRetry {
			return &peerRefusal{peer: p, why: refusalText(data[1:]), retry: data[0] == fetchRetry}
		}
		rec, err := n.validate(data, "fetch")
		if err != nil {
			// Skipped, as sync does (receiveRecords): one record this
			// node refuses must not keep the history after it away.
			if errors.Is(err, protocol.ErrCreated) {
				tally.early++
				continue
			}
			if tally.invalid++; tally.firstInvalid == nil {
				tally.firstInvalid = err
			}
			if tally.invalid > maxInvalidPerSession {
				return fmt.Errorf("fetch from %s: peer sent %d invalid records (the first: %w)", p, tally.invalid, tally.firstInvalid)
			}
			continue
		}
		if rec.Community() != community {
			n.metrics.refuse("fetch", gossip.RefusedOtherCommunity)
			return fmt.Errorf("fetch from %s: peer sent a record of another community", p)
		}
		batch = append(batch, rec)
		total++
		if len(batch) == fetchBatch {
			if err := n.ingest(ctx, batch, "fetch"); err != nil {
				return err
			}
			batch = batch[:0]
			if progress != nil {
				progress(total)
			}
		}
	}
	err = n.ingest(ctx, batch, "fetch")
	if err == nil && progress != nil {
		progress(total)
	}
	n.log.Debug("fetched records", "community", community, "peer", p, "since", since, "records", total)
	return err
}

// writeFrame writes a length-prefixed frame; a nil frame ends a stream.
func writeFrame(w io.Writer, data []byte) error {
	if _, err := w.Write(binary.AppendUvarint(nil, uint64(len(data)))); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// readFrame reads a frame written by writeFrame; nil means the end.
func readFrame(r *bufio.Reader) ([]byte, error) {
	size, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("read frame: %w", err)
	}
	if size == 0 {
		return nil, nil
	}
	if size > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes, the limit is %d", size, maxFrame)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("read frame: %w", err)
	}
	return data, nil
}

// recheckPeers has gossip drop the peers of an invite-only community that
// a role change or a deletion (of a device record, say) no longer allows,
// off the path that stored the record (gossip's validator must not call
// back into gossip).
func (n *Node) recheckPeers(community protocol.ID) {
	m := n.store.Membership(community)
	if m == nil || m.Genesis == nil || m.Genesis.Policy != protocol.JoinInvite || n.gossip == nil {
		return
	}
	if !n.rechecks.schedule(community) {
		return // one is waiting, and will see this record too
	}
	n.tasks.Go(func() {
		// A catch-up sync stores control records by the hundred: let the
		// burst land, then check the peers once for all of it.
		select {
		case <-time.After(recheckDelay):
		case <-n.ctx.Done():
			return
		}
		n.rechecks.start(community)
		n.gossip.Recheck(community)
	})
}

// recheckDelay is how long a peer re-check waits for more control records.
const recheckDelay = 100 * time.Millisecond

// rechecks are the communities whose peers wait for a re-check.
type rechecks struct {
	mu  sync.Mutex
	due map[protocol.ID]bool
}

// schedule marks a community's re-check due, and reports whether none was.
func (r *rechecks) schedule(c protocol.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.due[c] {
		return false
	}
	if r.due == nil {
		r.due = make(map[protocol.ID]bool)
	}
	r.due[c] = true
	return true
}

// start clears a community's mark as its re-check starts: a record
// stored from now on schedules another.
func (r *rechecks) start(c protocol.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.due, c)
}

// allowPeer says whether a peer may receive a community's records: any
// peer for an open community; for an invite-only one, only nodes that an
// admitted member vouched for with a device record.
func (n *Node) allowPeer(community protocol.ID, p peer.ID) bool {
	_, _, ok := n.peerAccess(community, p)
	return ok
}

// peerAccess is allowPeer, with the member p's device records name and
// their standing when the community is invite-only (for a sync server to
// tell a removed member's node why it is refused).
func (n *Node) peerAccess(community protocol.ID, p peer.ID) (protocol.PublicKey, protocol.Standing, bool) {
	m := n.store.Membership(community)
	if m == nil || m.Genesis == nil {
		return protocol.PublicKey{}, protocol.StandingNone, false
	}
	if m.Genesis.Policy == protocol.JoinOpen {
		return protocol.PublicKey{}, protocol.StandingNone, true
	}
	who, st := n.peerMember(community, p)
	return who, st, st.Admitted()
}

// peerMember returns the member whose device records in a community name
// p, and their standing: the highest standing when several do (a device
// record is only its author's claim), StandingNone when none does.
func (n *Node) peerMember(community protocol.ID, p peer.ID) (protocol.PublicKey, protocol.Standing) {
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
	defer cancel()
	var who protocol.PublicKey
	best := protocol.StandingNone
	for cursor := ""; ; {
		page, err := n.store.Members(ctx, community, cursor, store.MaxLimit)
		if err != nil {
			n.log.Warn("check peer membership", "err", err)
			return protocol.PublicKey{}, protocol.StandingNone
		}
		for _, mv := range page.Items {
			if mv.Standing <= best {
				continue
			}
			for _, d := range mv.Devices {
				if peer.ID(d) == p {
					who, best = mv.Key, mv.Standing
					break
				}
			}
		}
		if cursor = page.Next; cursor == "" {
			return who, best
		}
	}
}

// peerRefusal is a peer's answer that it refused a fetch, and why.
type peerRefusal struct {
	peer  peer.ID
	why   string
	retry bool // for now only: the same request may work in a moment
}

func (r *peerRefusal) Error() string { return fmt.Sprintf("%s refused: %s", r.peer, r.why) }

// refusalText is a peer's refusal made safe to show: valid UTF-8 without
// control characters (a terminal escape from a stranger is not shown),
// at most maxRefusal bytes.
func refusalText(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), maxRefusal)]), "?")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
}
