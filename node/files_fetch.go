package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/blobs"
	"github.com/kith-network/kith/protocol"
)

const (
	fileBatch      = 8 // chunks asked of a peer at a time: enough in flight to fill a fast link
	maxFilePeers   = 4 // peers a file is fetched from at once
	streamsPerPeer = 2 // streams to each: one connection's streams overlap their round trips
)

// errNoFilePeer is returned when no connected peer could give a file.
var errNoFilePeer = fmt.Errorf("%w: no connected peer could give this file; try again once a member who holds it is online", api.ErrUnavailable)

// errPeerLacks is a peer's answer that it does not have a file, or will
// not give it (the file protocol answers both alike).
var errPeerLacks = errors.New("it does not have this file")

// fetchFile gets the bytes of attachment a of community from the peers
// that have them, in chunks, each checked as it arrives, from several
// peers at once; it resumes a fetch begun before. A file over limit bytes
// (by the size its hash proves, whatever its record claims) is refused.
// progress, if set, is told the bytes here after each chunk. Callers
// fetching one file at once share the work (and the first one's limit).
//
// The fetch goes on in the node when ctx ends (the UI waits 2 seconds):
// so that its end is not lost, a failed fetch is logged, and stays in
// n.fetching, done, until the next fetch of the file starts or no record
// names it any more; markFile shows its error.
func (n *Node) fetchFile(ctx context.Context, community protocol.ID, a protocol.Attachment, limit int64, progress func(got uint64)) error {
	h := a.HashID()
	if n.blobs.Has(h) {
		return nil
	}
	if a.Size > uint64(limit) {
		return fmt.Errorf("%w: %q is %s, and this node fetches files up to %s (%s)", blobs.ErrTooLarge, a.Name,
			api.ByteSize(a.Size), api.ByteSize(uint64(limit)), n.limitSetting(limit))
	}
	n.filesMu.Lock()
	f := n.fetching[h]
	if f == nil || f.ended() {
		f = &fileFetch{done: make(chan struct{})}
		n.fetching[h] = f
		go func() { // owned by the node: runFetch runs in its task group
			var err error
			if !n.tasks.Run(func() { err = n.runFetch(n.ctx, community, a, limit, f) }) {
				err = errors.New("the node is stopping")
			}
			stopping := n.ctx.Err() != nil
			if err != nil && !stopping {
				n.log.Info("attachment fetch failed", "name", a.Name, "hash", h, "community", community, "err", err)
			}
			n.filesMu.Lock()
			f.err = err
			if (err == nil || stopping) && n.fetching[h] == f {
				delete(n.fetching, h)
			}
			n.filesMu.Unlock()
			close(f.done)
		}()
	}
	n.filesMu.Unlock()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-f.done:
			if progress != nil && f.err == nil {
				progress(a.Size)
			}
			return f.err
		case <-tick.C:
			if progress != nil {
				progress(f.got())
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// limitSetting names the setting that sets a fetch's limit.
func (n *Node) limitSetting(limit int64) string {
	if limit == n.cfg.MaxFileBytes {
		return maxFileSetting
	}
	return "auto_fetch_mb in config.toml, or kith daemon --auto-fetch-mb"
}

// fileFetch is one file being fetched, shared by everyone waiting for it;
// or, once done, one whose fetch failed.
type fileFetch struct {
	done    chan struct{}
	err     error // set before done is closed: read it once done is
	mu      sync.Mutex
	partial *blobs.Partial
}

func (f *fileFetch) got() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.partial == nil {
		return 0
	}
	return f.partial.Received()
}

// ended reports whether the fetch is over.
func (f *fileFetch) ended() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// runFetch does the work of one fetch, owned by the node's context.
func (n *Node) runFetch(ctx context.Context, community protocol.ID, a protocol.Attachment, limit int64, f *fileFetch) error {
	peers := n.filePeers(community)
	if len(peers) == 0 {
		return fmt.Errorf("attachment %q: %w", a.Name, errNoFilePeer)
	}
	p, err := n.blobs.Resume(a, limit)
	if errors.Is(err, blobs.ErrNotFound) {
		var size uint64
		var list []byte
		if size, list, err = n.chunkList(ctx, community, a, peers); err != nil {
			return err
		}
		if size != a.Size {
			// The size comes with the chunk list, proven by the hash; a
			// record may claim another, whether by mistake or to spoil
			// the file for others. The limit holds for the true size.
			n.log.Warn("a record claims another size for an attachment than its hash proves", "name", a.Name, "claimed", a.Size, "size", size)
			a.Size = size
		}
		p, err = n.blobs.Begin(a, list, limit)
	}
	if err != nil {
		return err
	}
	a = p.Attachment()
	if lost := p.Lost(); lost > 0 {
		n.log.Warn("attachment chunks lost on disk before a restart, fetching them again", "name", a.Name, "chunks", lost)
	}
	f.mu.Lock()
	f.partial = p
	f.mu.Unlock()
	if err := n.fetchChunks(ctx, community, a, p, peers); err != nil {
		return err
	}
	if err := p.Finish(); err != nil {
		return err
	}
	n.log.Info("attachment fetched", "name", a.Name, "size", a.Size, "community", community)
	return nil
}

// filePeers returns the connected peers that may have a community's
// files, in random order (so that many nodes fetching one file spread
// over its holders).
func (n *Node) filePeers(community protocol.ID) []peer.ID {
	var out []peer.ID
	for _, p := range n.gossip.Peers(community) {
		if !relayedOnly(n.host.Network().ConnsToPeer(p)) {
			out = append(out, p)
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// chunkList asks peers in turn for a file's size and chunk list, and
// returns the first that its hash proves. If none gives it, the error
// says what each peer answered: the last one's answer alone hid why the
// others failed.
func (n *Node) chunkList(ctx context.Context, community protocol.ID, a protocol.Attachment, peers []peer.ID) (uint64, []byte, error) {
	var answers peerAnswers
	for _, p := range peers {
		if answers.asked(p) {
			continue
		}
		size, list, err := n.askChunkList(ctx, community, a, p)
		if err == nil {
			return size, list, nil
		}
		answers.add(p, err)
	}
	if answers.count() == 0 {
		return 0, nil, fmt.Errorf("attachment %q: %w", a.Name, errNoFilePeer)
	}
	// However each failed, none could give the file now: try later.
	return 0, nil, fmt.Errorf("attachment %q: %w (asked %s: %w)", a.Name, errNoFilePeer, peerCount(answers.count()), &answers)
}

func (n *Node) askChunkList(ctx context.Context, community protocol.ID, a protocol.Attachment, p peer.ID) (uint64, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fileRequestTimeout)
	defer cancel()
	s, err := n.newStream(ctx, p, fileProtocol)
	if err != nil {
		return 0, nil, err
	}
	defer s.Close()
	defer resetOnDone(ctx, s)()
	q := fileRequest{community: community, hash: a.HashID(), op: opList}
	if _, err := s.Write(q.encode(nil)); err != nil {
		return 0, nil, err
	}
	status, size, list, err := readChunkList(bufio.NewReader(s), a.HashID())
	switch {
	case err != nil:
		return 0, nil, err
	case status != statusOK:
		return 0, nil, errPeerLacks
	}
	return size, list, nil
}

// fetchChunks fetches the chunks p lacks from up to maxFilePeers peers at
// once. Each peer takes batches from a shared queue, so a fast peer takes
// more; when the queue is empty, idle peers also ask for chunks still in
// flight elsewhere, so one slow peer cannot hold up the end. A peer that
// sends a chunk that does not match its hash is used no more. If chunks
// are still missing, the error names each peer asked once, with what it
// answered.
func (n *Node) fetchChunks(ctx context.Context, community protocol.ID, a protocol.Attachment, p *blobs.Partial, peers []peer.ID) error {
	missing := p.Missing()
	if len(missing) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	peers = peers[:min(len(peers), maxFilePeers)]
	errs := make([]error, len(peers)*streamsPerPeer)
	q := newChunkQueue(missing, len(errs))
	defer context.AfterFunc(ctx, q.wake)()
	var wg sync.WaitGroup
	for k := range errs {
		pid := peers[k%len(peers)]
		wg.Go(func() {
			errs[k] = n.fetchFrom(ctx, community, a, p, pid, q)
			q.leave()
			if q.finished() {
				cancel() // the others' duplicate requests are moot
			}
		})
	}
	wg.Wait()
	if q.finished() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Each peer is asked on several streams: it counts once, and says
	// each different thing it answered once.
	var answers peerAnswers
	for k, err := range errs {
		answers.add(peers[k%len(peers)], err)
	}
	return fmt.Errorf("attachment %q: %d of %d chunks missing after asking %s: %w", a.Name, q.left(), q.total,
		peerCount(answers.count()), &answers)
}

// fetchFrom fetches batches of chunks from one peer until the queue is
// done, the peer fails, or it sends a bad chunk. One goroutine receives
// while this one checks and writes, so the peer never waits for the disk.
// Its errors do not name the peer: fetchChunks does, once for all its
// streams.
func (n *Node) fetchFrom(ctx context.Context, community protocol.ID, a protocol.Attachment, p *blobs.Partial, pid peer.ID, q *chunkQueue) error {
	s, err := n.newStream(ctx, pid, fileProtocol)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer resetOnDone(ctx, s)()
	got := make(chan piece, fileBatch)
	var recvErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(got)
		recvErr = n.receiveChunks(ctx, s, community, a, pid, q, got)
	})
	var putErr error
	for pc := range got {
		if putErr != nil {
			q.giveBack(pid, []int{pc.i})
			continue
		}
		if err := p.Put(pc.i, pc.data); err != nil {
			q.giveBack(pid, []int{pc.i})
			if errors.Is(err, blobs.ErrMismatch) && q.drop(pid) {
				n.log.Warn("a peer sent a corrupted attachment chunk; fetching from others", "peer", pid, "name", a.Name, "chunk", pc.i)
				n.metrics.refuse("file", "chunk-hash")
			}
			putErr = err
			cancel() // stop receiving from this peer
			continue
		}
		q.done(pc.i)
		chunkBuffers.Put(&pc.data)
	}
	wg.Wait()
	if putErr != nil {
		return putErr
	}
	return recvErr
}

// chunkBuffers holds chunk-sized buffers: a fetch would otherwise make
// one for each MiB it receives.
var chunkBuffers = sync.Pool{New: func() any { b := make([]byte, protocol.ChunkSize); return &b }}

// piece is a chunk received, not yet checked.
type piece struct {
	i    int
	data []byte
}

// receiveChunks asks a peer for batch after batch and hands over what
// comes; chunks it will not deliver go back to the queue.
func (n *Node) receiveChunks(ctx context.Context, s network.Stream, community protocol.ID, a protocol.Attachment, pid peer.ID, q *chunkQueue, got chan<- piece) error {
	r := bufio.NewReaderSize(s, 256<<10)
	ask := func(batch []int) error {
		s.SetDeadline(time.Now().Add(fileRequestTimeout))
		req := fileRequest{community: community, hash: a.HashID(), op: opChunk, chunks: batch}
		_, err := s.Write(req.encode(nil))
		return err
	}
	// One batch is always asked ahead of the one being read, so that the
	// peer goes on sending while this side reads: no round trip between
	// batches.
	var asked []int
	for {
		if len(asked) == 0 {
			if asked = q.take(ctx, pid, fileBatch); len(asked) == 0 {
				return nil
			}
			if err := ask(asked); err != nil {
				q.giveBack(pid, asked)
				return err
			}
		}
		next := q.tryTake(pid, fileBatch)
		if len(next) > 0 {
			if err := ask(next); err != nil {
				q.giveBack(pid, append(asked, next...))
				return err
			}
		}
		for k, i := range asked {
			buf := chunkBuffers.Get().(*[]byte)
			status, data, err := readPiece(r, protocol.ChunkLen(a.Size, i), *buf)
			if err == nil && status != statusOK {
				err = fmt.Errorf("it does not have chunk %d", i)
			}
			if err != nil {
				q.giveBack(pid, append(asked[k:], next...))
				return err
			}
			n.metrics.fileBytes("in", len(data))
			select {
			case got <- piece{i, data}:
			case <-ctx.Done():
				q.giveBack(pid, append(asked[k:], next...))
				return ctx.Err()
			}
		}
		asked = next
	}
}

// chunkQueue hands out the chunks of one fetch to the peers fetching it.
type chunkQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	pending  []int             // not yet asked of anyone
	inflight map[int][]peer.ID // asked, not yet here: of whom
	total    int
	got      int
	active   int              // workers still fetching
	bad      map[peer.ID]bool // peers that sent a bad chunk
}

func newChunkQueue(missing []int, peers int) *chunkQueue {
	q := &chunkQueue{pending: missing, inflight: make(map[int][]peer.ID), total: len(missing), active: peers, bad: make(map[peer.ID]bool)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// take returns up to k chunks for pid: pending ones first, then (the end
// game) chunks in flight with one other peer only. With nothing to take
// it waits while other peers fetch (one may fail and give chunks back),
// and returns none once all are here, ctx ends or pid is the last.
func (q *chunkQueue) take(ctx context.Context, pid peer.ID, k int) []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		out := q.pick(pid, k)
		if len(out) > 0 || q.bad[pid] || q.got == q.total || q.active <= 1 || ctx.Err() != nil {
			return out
		}
		q.cond.Wait()
	}
}

// tryTake is take without the wait.
func (q *chunkQueue) tryTake(pid peer.ID, k int) []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pick(pid, k)
}

// pick hands pid up to k chunks; the caller holds q.mu.
func (q *chunkQueue) pick(pid peer.ID, k int) []int {
	if q.bad[pid] {
		return nil
	}
	var out []int
	for len(out) < k && len(q.pending) > 0 {
		i := q.pending[0]
		q.pending = q.pending[1:]
		q.inflight[i] = append(q.inflight[i], pid)
		out = append(out, i)
	}
	for i, who := range q.inflight {
		if len(out) == k {
			break
		}
		if !containsPeer(who, pid) && len(who) < 2 {
			q.inflight[i] = append(who, pid)
			out = append(out, i)
		}
	}
	return out
}

// drop records that pid sent a bad chunk: it is given no more, and drop
// reports whether this is the first time.
func (q *chunkQueue) drop(pid peer.ID) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	first := !q.bad[pid]
	q.bad[pid] = true
	return first
}

// leave records that a worker stopped fetching.
func (q *chunkQueue) leave() {
	q.mu.Lock()
	q.active--
	q.mu.Unlock()
	q.cond.Broadcast()
}

// wake wakes the peers waiting in take (their context ended).
func (q *chunkQueue) wake() { q.cond.Broadcast() }

func containsPeer(ps []peer.ID, p peer.ID) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// done records chunk i as here.
func (q *chunkQueue) done(i int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.inflight[i]; ok {
		delete(q.inflight, i)
		q.got++
	}
	q.cond.Broadcast()
}

// giveBack returns chunks pid will not deliver: pending again unless
// another peer has them in flight.
func (q *chunkQueue) giveBack(pid peer.ID, chunks []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, i := range chunks {
		who, ok := q.inflight[i]
		if !ok {
			continue // here already
		}
		var rest []peer.ID
		for _, p := range who {
			if p != pid {
				rest = append(rest, p)
			}
		}
		if len(rest) == 0 {
			delete(q.inflight, i)
			q.pending = append(q.pending, i)
		} else {
			q.inflight[i] = rest
		}
	}
	q.cond.Broadcast()
}

func (q *chunkQueue) finished() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.got == q.total
}

func (q *chunkQueue) left() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total - q.got
}
