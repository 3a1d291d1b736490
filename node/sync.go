package node

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/gossip"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// syncProtocol is catch-up sync: two nodes find the communities they
// share, reconcile each one's records by range-based set reconciliation
// (protocol.Reconciler), and exchange what each lacks.
//
// A session, started by the client:
//
//	client: hello   salt, then SHA-256(salt || community id) per community it holds
//	server: accept  the indices of those it shares and will serve the client
//	for each accepted community, in order:
//	  client: reconcile message; server: reconcile message or end ... until one side ends
//	  client: request (ids); server: the records, then end      (repeated, in batches)
//	  client: the records the server lacks, then end
//
// Salting means a server learns nothing of the client's other communities,
// and the client nothing of the server's. Every record received goes
// through protocol.Validate and the store's ingest.
//
// Version 1.1.0 adds removal notices (removal_notice.go); a node speaks
// 1.0.0 too, without them, to nodes that know only it.
const (
	syncProtocol   = "/kith/sync/1.1.0"
	syncProtocolV1 = "/kith/sync/1.0.0"
)

// Frame kinds.
const (
	frameHello     = 'H'
	frameAccept    = 'A'
	frameReconcile = 'R'
	frameEnd       = 'E'
	frameRequest   = 'Q'
	frameRecord    = 'D'
	frameRemoved   = 'X' // see removal_notice.go
	frameBusy      = 'B' // 1.1.0: the server is in a session with this peer already
)

const (
	syncDeadline       = 5 * time.Minute // a whole session
	maxSyncCommunities = 256
	syncBatch          = 256 // ids requested at a time
	maxSyncFrame       = protocol.MaxMessageBytes
	maxSessionBytes    = 1 << 30 // received by a server in one session
)

// errSyncBusy says a session with that peer is already running (one at a
// time per peer, whichever side started it). It is no failure.
var errSyncBusy = errors.New("a sync session is already running")

// storeSet lets the reconciler use the store's reconciliation items.
type storeSet struct {
	s *store.Store
	c protocol.ID
}

func (ss storeSet) Fingerprint(lower, upper protocol.Position) (protocol.Fingerprint, uint64) {
	return ss.s.Fingerprint(ss.c, lower, upper)
}

func (ss storeSet) Range(lower, upper protocol.Position, fn func(protocol.Position) bool) {
	ss.s.RangePositions(ss.c, lower, upper, fn)
}

func (ss storeSet) Split(lower, upper protocol.Position, parts int) []protocol.Position {
	return ss.s.SplitRange(ss.c, lower, upper, parts)
}

func salted(salt []byte, c protocol.ID) [32]byte {
	return sha256.Sum256(append(append([]byte("kith/sync/v1\x00"), salt...), c[:]...))
}

// Sync runs a session with a peer over every community both hold, or only
// over only if it is non-zero.
func (n *Node) Sync(ctx context.Context, p peer.ID, only protocol.ID) (results []SyncResult, err error) {
	if !n.syncs.begin(p) {
		return nil, fmt.Errorf("%w with %s", errSyncBusy, p)
	}
	defer n.syncs.end(p)
	var f *frames
	defer func() {
		if f != nil {
			n.metrics.session("client", err, f.in.n, f.out.n)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, syncDeadline)
	defer cancel()
	s, err := n.newStream(ctx, p, syncProtocol, syncProtocolV1)
	if err != nil {
		return nil, fmt.Errorf("open sync stream to %s: %w", p, err)
	}
	defer s.Close()
	defer resetOnDone(ctx, s)()
	s.SetDeadline(time.Now().Add(syncDeadline))
	f = newFrames(s, maxSessionBytes)

	var mine []protocol.ID
	for _, c := range n.store.Communities() {
		// Offered only where the peer may have the community: a session
		// sends records both ways, so the client checks the server too.
		m := n.store.Membership(c)
		if m == nil || m.Genesis == nil || !(only.IsZero() || c == only) || !n.allowPeer(c, p) {
			continue
		}
		if only.IsZero() && m.Standing(n.id.MemberKey()) == protocol.StandingRemoved && !n.removedOffers.due(c, removedOfferEvery) {
			continue // removal_notice.go
		}
		mine = append(mine, c)
	}
	if len(mine) > maxSyncCommunities {
		// A session carries so many; a random choice each time reaches
		// every community in turn, where the first by id would leave the
		// rest never synced.
		mrand.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
		mine = mine[:maxSyncCommunities]
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	hello := slices.Clone(salt)
	for _, c := range mine {
		h := salted(salt, c)
		hello = append(hello, h[:]...)
	}
	if err := f.send(frameHello, hello); err != nil {
		return nil, err
	}
	if err := f.flush(); err != nil {
		return nil, err
	}
	seen := make(map[byte]bool)
	var accept []byte
	for {
		kind, data, err := f.recv(frameAccept, frameRemoved, frameBusy)
		if err != nil {
			return nil, err
		}
		if kind == frameAccept {
			accept = data
			break
		}
		if s.Protocol() != syncProtocol {
			return nil, fmt.Errorf("peer sent a %q frame in %s, which has none", kind, s.Protocol())
		}
		if kind == frameBusy {
			return nil, errSyncBusy
		}
		if err := n.receiveRemoval(ctx, f, data, mine, seen); err != nil {
			return nil, err
		}
	}
	if unshared := unsharedOf(mine, accept, seen); len(unshared) > 0 {
		defer n.introduce(ctx, p, unshared) // introduce.go
	}
	for _, i := range accept {
		if int(i) >= len(mine) {
			return results, errors.New("peer accepted a community we did not offer")
		}
		c := mine[i]
		n.syncs.update(c, func(st *SyncStatus) { st.InProgress, st.Fetched, st.Missing = true, 0, 0 })
		res, err := n.syncClient(ctx, f, p, c)
		n.syncs.update(c, func(st *SyncStatus) {
			st.InProgress = false
			if err != nil {
				st.LastError = err.Error()
				return
			}
			st.LastSync, st.LastPeer, st.LastError = time.Now(), p, ""
		})
		if err != nil {
			return results, fmt.Errorf("sync %s with %s: %w", c, p, err)
		}
		results = append(results, res)
	}
	return results, nil
}

// lostPerSession bounds the records held without their text that one
// sync session asks for again (store.Lost).
const lostPerSession = 32

// syncClient reconciles one community and exchanges the differences.
func (n *Node) syncClient(ctx context.Context, f *frames, p peer.ID, c protocol.ID) (SyncResult, error) {
	res := SyncResult{Community: c, Peer: p}
	rec := protocol.NewClient(storeSet{n.store, c})
	msg := rec.Initiate()
	for {
		enc := msg.Encode()
		res.Bytes += len(enc)
		if err := f.send(frameReconcile, enc); err != nil {
			return res, err
		}
		if err := f.flush(); err != nil {
			return res, err
		}
		kind, data, err := f.recv(frameReconcile, frameEnd)
		if err != nil {
			return res, err
		}
		res.Bytes += len(data)
		if kind == frameEnd {
			break
		}
		m, err := protocol.DecodeMessage(data)
		if err != nil {
			return res, err
		}
		out, done, err := rec.Process(m)
		if err != nil {
			return res, err
		}
		if done {
			if err := f.send(frameEnd, nil); err != nil {
				return res, err
			}
			break
		}
		msg = out
	}
	res.Rounds = rec.Rounds
	n.syncs.update(c, func(st *SyncStatus) { st.Missing = len(rec.Need) })
	want := make([]protocol.ID, len(rec.Need))
	for i, p := range rec.Need {
		want[i] = p.ID
	}
	// Records held without the text that a deletion no longer holding
	// purged (store.Lost) are asked of every peer again, a few each
	// session: one that never took the deletion has the text, and the
	// store takes it back.
	lost, err := n.store.Lost(ctx, c, lostPerSession)
	if err != nil {
		return res, err
	}
	want = append(want, lost...)
	// Fetch what we lack, in batches, one request ahead: the peer reads
	// and sends the next batch while we validate and store this one.
	request := func(start int) error {
		batch := want[start:min(len(want), start+syncBatch)]
		req := make([]byte, 0, len(batch)*32)
		for _, id := range batch {
			req = append(req, id[:]...)
		}
		if err := f.send(frameRequest, req); err != nil {
			return err
		}
		return f.flush()
	}
	if len(want) > 0 {
		if err := request(0); err != nil {
			return res, err
		}
	}
	tally := new(received)
	defer tally.report(n.log, c)
	for start := 0; start < len(want); start += syncBatch {
		if next := start + syncBatch; next < len(want) {
			if err := request(next); err != nil {
				return res, err
			}
		}
		got, err := n.receiveRecords(ctx, f, c, tally, nil)
		res.Fetched += got
		n.syncs.update(c, func(st *SyncStatus) { st.Fetched += got; st.Total += got })
		if err != nil {
			return res, err
		}
	}
	if err := f.send(frameEnd, nil); err != nil { // no more requests
		return res, err
	}
	// Give the peer what it lacks.
	have := make([]protocol.ID, len(rec.Have))
	for i, p := range rec.Have {
		have[i] = p.ID
	}
	sent, err := n.sendRecords(ctx, f, c, have)
	res.Sent = sent
	return res, err
}

// sendRecords sends the accepted records of c among ids, then an end
// frame.
func (n *Node) sendRecords(ctx context.Context, f *frames, c protocol.ID, ids []protocol.ID) (int, error) {
	sent := 0
	for start := 0; start < len(ids); start += syncBatch {
		recs, err := n.store.Records(ctx, c, ids[start:min(len(ids), start+syncBatch)])
		if err != nil {
			return sent, err
		}
		// Control records first, so that the receiver does not hold the
		// rest as pending.
		slices.SortStableFunc(recs, func(a, b *protocol.Record) int {
			return boolOrder(b.Header.Kind.Control()) - boolOrder(a.Header.Kind.Control())
		})
		for _, r := range recs {
			if err := f.send(frameRecord, r.Encode()); err != nil {
				return sent, err
			}
			sent++
		}
	}
	if err := f.send(frameEnd, nil); err != nil {
		return sent, err
	}
	return sent, f.flush()
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxInvalidPerSession is how many invalid records a session skips before
// it ends as with a faulty peer.
const maxInvalidPerSession = 32

// received counts what a session's receiving skipped, over the whole
// session: its cap on invalid records holds for the session, not for each
// batch of requests.
type received struct {
	early, invalid int
	firstInvalid   error
}

// report logs what the session skipped, once it is over.
func (t *received) report(log *slog.Logger, c protocol.ID) {
	if t.early > 0 {
		log.Warn("sync: records dated ahead of this node's clock skipped; sync brings them once it is their time (if this node's clock is behind, set it right)",
			"community", c, "records", t.early)
	}
	if t.invalid > 0 && t.invalid <= maxInvalidPerSession {
		log.Warn("sync: records this node refuses skipped (damaged, or written by a Kith version whose rules differ); the rest of the session went on",
			"community", c, "records", t.invalid, "first", t.firstInvalid)
	}
}

// receiveRecords reads record frames until an end frame, validating each
// batch on every core (verifying signatures is most of the cost of a sync)
// and storing it, telling stored (if not nil) how many each batch held.
// It returns how many valid records it stored; what it skipped, t counts.
func (n *Node) receiveRecords(ctx context.Context, f *frames, c protocol.ID, t *received, stored func(int)) (int, error) {
	var raw [][]byte
	total := 0
	refused := n.refuser("sync")
	flush := func() error {
		if len(raw) == 0 {
			return nil
		}
		all, errs := validateEach(raw, time.Now())
		raw = raw[:0]
		var recs []*protocol.Record
		for i, err := range errs {
			switch {
			case err == nil:
				recs = append(recs, all[i])
			case errors.Is(err, protocol.ErrCreated):
				// Its author's clock runs ahead (or this node's behind):
				// valid later, so the rest of the session goes on.
				refused(err)
				t.early++
			default:
				// One record a peer holds and this node refuses (an older
				// version signed what it should not have) must not stop
				// every record after it; many mean a faulty peer.
				refused(err)
				if t.invalid++; t.firstInvalid == nil {
					t.firstInvalid = err
				}
				if t.invalid > maxInvalidPerSession {
					return fmt.Errorf("peer sent %d invalid records (the first: %w)", t.invalid, t.firstInvalid)
				}
			}
		}
		for _, r := range recs {
			if r.Community() != c {
				n.metrics.refuse("sync", gossip.RefusedOtherCommunity)
				return errors.New("peer sent a record of another community")
			}
		}
		if err := n.ingest(ctx, recs, "sync"); err != nil {
			return err
		}
		total += len(recs)
		if stored != nil {
			stored(len(recs))
		}
		return nil
	}
	for {
		kind, data, err := f.recv(frameRecord, frameEnd)
		if err != nil {
			return total, err
		}
		if kind == frameEnd {
			err := flush()
			return total, err
		}
		raw = append(raw, data)
		if len(raw) == syncBatch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
}

// validateEach validates encoded records on every core, giving each its
// record or its error, in order.
func validateEach(raw [][]byte, now time.Time) ([]*protocol.Record, []error) {
	out := make([]*protocol.Record, len(raw))
	errs := make([]error, len(raw))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(raw)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(raw); i = int(next.Add(1) - 1) {
				out[i], errs[i] = protocol.Validate(raw[i], now)
			}
		})
	}
	wg.Wait()
	return out, errs
}

// validateAll validates encoded records on every core, keeping their
// order; it returns the index and error of the first that fails, after
// calling refused (if not nil) for each that fails.
func validateAll(raw [][]byte, now time.Time, refused func(error)) ([]*protocol.Record, int, error) {
	out, errs := validateEach(raw, now)
	first := -1
	for i, err := range errs {
		if err != nil {
			if refused != nil {
				refused(err)
			}
			if first < 0 {
				first = i
			}
		}
	}
	if first >= 0 {
		return nil, first, errs[first]
	}
	return out, -1, nil
}
