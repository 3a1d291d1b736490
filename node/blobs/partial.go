package blobs

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/kith-network/kith/protocol"
)

// Partial is a file being fetched: its chunks arrive in any order, from
// any peers, each checked against the chunk list before it is written at
// its offset. Which chunks are there is kept in a file beside it, so a
// fetch cut by a restart resumes where it stopped.
//
// Chunks are not synced one by one (that would cost a disk flush per MiB);
// instead Finish checks the whole file against its hash, and if a crash
// lost chunks that were marked present, finds and forgets exactly those.
type Partial struct {
	s    *Store
	a    protocol.Attachment
	h    protocol.ID
	list []byte

	mu     sync.Mutex
	data   *os.File
	marks  *os.File // one byte per chunk: 1 once it is written
	have   []byte
	closed bool

	// The whole file's hash, computed by a goroutine of its own while
	// chunks arrive, in order, so that Finish need not read the file again
	// and the fetch does not wait for it.
	hashMu   sync.Mutex
	hashCond *sync.Cond // on hashMu: the cursor moved, or the hasher ended
	whole    hash.Hash
	hashed   atomic.Int64  // chunks hashed into whole; written under hashMu
	kick     chan struct{} // a chunk arrived
	stop     chan struct{} // closed by close: the hasher ends
	hashEnd  bool          // the hasher ended (under hashMu)
}

// Begin starts fetching a, or resumes a fetch begun earlier, given its
// chunk list (checked against the attachment). A file over limit bytes is
// refused before anything is written. Callers fetching the same file share
// one Partial.
func (s *Store) Begin(a protocol.Attachment, list []byte, limit int64) (*Partial, error) {
	if a.Size > uint64(limit) {
		return nil, fmt.Errorf("%w: %q is %d bytes, the limit is %d", ErrTooLarge, a.Name, a.Size, limit)
	}
	if !a.CheckChunkList(list) {
		return nil, fmt.Errorf("%w: the chunk list of %q does not match its record", ErrMismatch, a.Name)
	}
	h := a.HashID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partials[h]; p != nil {
		return p, nil
	}
	base := s.partialPath(h)
	if err := writeFileSync(base+".chunks", list); err != nil {
		return nil, fmt.Errorf("begin fetch: %w", err)
	}
	data, err := os.OpenFile(base, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("begin fetch: %w", err)
	}
	marks, err := os.OpenFile(base+".have", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		data.Close()
		return nil, fmt.Errorf("begin fetch: %w", err)
	}
	n := protocol.ChunkCount(a.Size)
	have := make([]byte, n)
	if _, err := io.ReadFull(marks, have); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		data.Close()
		marks.Close()
		return nil, fmt.Errorf("begin fetch: %w", err)
	}
	if err := data.Truncate(int64(a.Size)); err != nil {
		data.Close()
		marks.Close()
		return nil, fmt.Errorf("begin fetch: %w", err)
	}
	p := &Partial{s: s, a: a, h: h, list: list, data: data, marks: marks, have: have, whole: sha256.New(),
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
	p.hashCond = sync.NewCond(&p.hashMu)
	go p.hashLoop() // ends with p (close)
	p.nudge()
	s.partials[h] = p
	return p, nil
}

// Missing returns the chunks not yet here, in order.
func (p *Partial) Missing() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for i, b := range p.have {
		if b != 1 {
			out = append(out, i)
		}
	}
	return out
}

// Received returns the bytes of the chunks here.
func (p *Partial) Received() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n uint64
	for i, b := range p.have {
		if b == 1 {
			n += uint64(chunkLen(p.a.Size, i))
		}
	}
	return n
}

// chunkLen returns the length of chunk i of a file of size bytes.
func chunkLen(size uint64, i int) int {
	start := uint64(i) * protocol.ChunkSize
	return int(min(size-start, protocol.ChunkSize))
}

// Put checks chunk i against the chunk list and writes it. A chunk of the
// wrong length or hash is ErrMismatch, and nothing is written.
func (p *Partial) Put(i int, chunk []byte) error {
	if i < 0 || i >= len(p.have) {
		return fmt.Errorf("%w: chunk %d of %d", ErrMismatch, i, len(p.have))
	}
	if len(chunk) != chunkLen(p.a.Size, i) {
		return fmt.Errorf("%w: chunk %d is %d bytes, want %d", ErrMismatch, i, len(chunk), chunkLen(p.a.Size, i))
	}
	sum := sha256.Sum256(chunk)
	if string(sum[:]) != string(p.list[i*protocol.HashSize:(i+1)*protocol.HashSize]) {
		return fmt.Errorf("%w: chunk %d has the wrong hash", ErrMismatch, i)
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return fmt.Errorf("fetch of %x ended", p.h)
	}
	// Writes at distinct offsets may run at once.
	if _, err := p.data.WriteAt(chunk, int64(i)*protocol.ChunkSize); err != nil {
		return fmt.Errorf("write chunk %d: %w", i, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fetch of %x ended", p.h)
	}
	p.have[i] = 1
	if _, err := p.marks.WriteAt([]byte{1}, int64(i)); err != nil {
		return fmt.Errorf("mark chunk %d: %w", i, err)
	}
	p.nudge()
	return nil
}

// nudge tells the hasher a chunk may be ready.
func (p *Partial) nudge() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// hashLoop hashes the chunks from the cursor on as they arrive, reading
// them back from the file (the page cache), until p is closed. If a read
// fails it stops, and Finish hashes the file itself.
func (p *Partial) hashLoop() {
	defer func() {
		p.hashMu.Lock()
		p.hashEnd = true
		p.hashMu.Unlock()
		p.hashCond.Broadcast()
	}()
	buf := make([]byte, protocol.ChunkSize)
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		}
		for p.hashable() {
			next := int(p.hashed.Load())
			data := buf[:chunkLen(p.a.Size, next)]
			if _, err := p.data.ReadAt(data, int64(next)*protocol.ChunkSize); err != nil {
				return
			}
			p.hashMu.Lock()
			p.whole.Write(data)
			p.hashed.Add(1)
			p.hashMu.Unlock()
			p.hashCond.Broadcast()
		}
	}
}

// hashable reports whether the chunk at the hash cursor is here.
func (p *Partial) hashable() bool {
	next := int(p.hashed.Load())
	p.mu.Lock()
	defer p.mu.Unlock()
	return next < len(p.have) && p.have[next] == 1 && !p.closed
}

// ReadChunk reads chunk i if it is here (a node serves the chunks it
// has of a file it is still fetching).
func (p *Partial) ReadChunk(i int) ([]byte, error) {
	p.mu.Lock()
	ok := i >= 0 && i < len(p.have) && p.have[i] == 1 && !p.closed
	p.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: chunk %d of %x", ErrNotFound, i, p.h)
	}
	buf := make([]byte, chunkLen(p.a.Size, i))
	if _, err := p.data.ReadAt(buf, int64(i)*protocol.ChunkSize); err != nil {
		return nil, fmt.Errorf("read chunk %d: %w", i, err)
	}
	return buf, nil
}

// Finish checks the whole file against its hash and moves it into the
// store. If chunks marked present were lost (a crash before the disk had
// them), they are found, marked missing again, and Finish says how many:
// the caller fetches them again.
func (p *Partial) Finish() error {
	if len(p.Missing()) > 0 {
		return fmt.Errorf("%d chunks of %q still missing", len(p.Missing()), p.a.Name)
	}
	// Let the hasher catch up, unless it stopped.
	p.nudge()
	p.hashMu.Lock()
	for int(p.hashed.Load()) < len(p.have) && !p.hashEnd {
		p.hashCond.Wait()
	}
	p.hashMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fetch of %x ended", p.h)
	}
	if err := p.data.Sync(); err != nil {
		return fmt.Errorf("finish fetch: %w", err)
	}
	p.hashMu.Lock()
	sum := p.whole
	if int(p.hashed.Load()) != len(p.have) {
		// Chunks that arrived out of order, or before a restart: read it all.
		sum = sha256.New()
		if _, err := io.Copy(sum, bufio.NewReaderSize(io.NewSectionReader(p.data, 0, int64(p.a.Size)), protocol.ChunkSize)); err != nil {
			p.hashMu.Unlock()
			return fmt.Errorf("finish fetch: %w", err)
		}
	}
	digest := protocol.ID(sum.Sum(nil))
	p.whole.Reset()
	p.hashed.Store(0)
	p.hashMu.Unlock()
	p.nudge() // after a loss, the hasher starts again from the first chunk
	if digest != p.h {
		if lost := p.recheck(); lost > 0 {
			return fmt.Errorf("%w: %d chunks of %q were lost on disk, fetching them again", ErrMismatch, lost, p.a.Name)
		}
		// Every chunk matches the signed chunk list, yet the whole does
		// not match the signed hash: the record contradicts itself. No
		// fetch can fix that; what came is dropped.
		p.close()
		p.s.mu.Lock()
		delete(p.s.partials, p.h)
		p.s.mu.Unlock()
		base := p.s.partialPath(p.h)
		os.Remove(base)
		os.Remove(base + ".have")
		os.Remove(base + ".chunks")
		return fmt.Errorf("%w: %q: its chunks match the record's chunk hash but the whole file does not match its hash", ErrInconsistent, p.a.Name)
	}
	p.close()
	p.s.mu.Lock()
	delete(p.s.partials, p.h)
	p.s.mu.Unlock()
	base := p.s.partialPath(p.h)
	if err := p.s.install(p.h, base, p.list); err != nil {
		return err
	}
	os.Remove(base + ".have")
	os.Remove(base + ".chunks")
	return nil
}

// recheck reads every chunk marked present and forgets those whose bytes
// are wrong; it returns how many.
func (p *Partial) recheck() int {
	lost := 0
	buf := make([]byte, protocol.ChunkSize)
	for i := range p.have {
		n := chunkLen(p.a.Size, i)
		_, err := p.data.ReadAt(buf[:n], int64(i)*protocol.ChunkSize)
		sum := sha256.Sum256(buf[:n])
		if err != nil || string(sum[:]) != string(p.list[i*protocol.HashSize:(i+1)*protocol.HashSize]) {
			p.have[i] = 0
			p.marks.WriteAt([]byte{0}, int64(i))
			lost++
		}
	}
	return lost
}

// close releases the files; callers hold p.mu or own p alone.
func (p *Partial) close() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.stop)
	p.data.Close()
	p.marks.Close()
}

// Resume returns the fetch of the file with hash h begun before, with the
// chunk list it was begun with, if there is one.
func (s *Store) Resume(a protocol.Attachment, limit int64) (*Partial, error) {
	list, err := os.ReadFile(s.partialPath(a.HashID()) + ".chunks")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no fetch of %x begun", ErrNotFound, a.HashID())
	}
	if err != nil {
		return nil, fmt.Errorf("resume fetch: %w", err)
	}
	return s.Begin(a, list, limit)
}

// Close closes every open fetch (the node is stopping); what they
// received stays on disk for the next start.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, p := range s.partials {
		p.mu.Lock()
		p.close()
		p.mu.Unlock()
		delete(s.partials, h)
	}
	return nil
}
