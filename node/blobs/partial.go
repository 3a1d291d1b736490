package blobs

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/kith-network/kith/protocol"
)

// Partial is a file being fetched: its chunks arrive in any order, from
// any peers, each checked against the chunk list before it is written at
// its offset. Which chunks are there is kept in a file beside it, so a
// fetch cut by a restart resumes where it stopped.
//
// Chunks are not synced one by one (that would cost a disk flush per MiB):
// Finish syncs the file once, and a fetch resumed after a stop reads back
// the chunks marked present and forgets those a crash lost. Every chunk
// matched the signed chunk list, so the whole needs no second check.
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
	lost   int // chunks marked present that a crash lost, found by Begin
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
	if p := s.partials[h]; p != nil {
		s.mu.Unlock()
		return p, nil
	}
	p, err := s.open(a, h, list)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	// Reading back what a fetch begun before has (up to the whole file)
	// holds only this fetch: callers sharing it wait in its methods, and
	// the store goes on serving others.
	p.mu.Lock()
	defer p.mu.Unlock()
	s.partials[h] = p
	s.mu.Unlock()
	p.lost = p.recheck()
	return p, nil
}

// open opens the files of a fetch of a, begun or not; s.mu is held.
func (s *Store) open(a protocol.Attachment, h protocol.ID, list []byte) (*Partial, error) {
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
	return &Partial{s: s, a: a, h: h, list: list, data: data, marks: marks, have: have}, nil
}

// Lost returns how many chunks marked present Begin found wrong on disk
// (a crash lost them); they are missing again.
func (p *Partial) Lost() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
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
			n += uint64(protocol.ChunkLen(p.a.Size, i))
		}
	}
	return n
}

// Put checks chunk i against the chunk list and writes it. A chunk of the
// wrong length or hash is ErrMismatch, and nothing is written.
func (p *Partial) Put(i int, chunk []byte) error {
	if i < 0 || i >= len(p.have) {
		return fmt.Errorf("%w: chunk %d of %d", ErrMismatch, i, len(p.have))
	}
	if len(chunk) != protocol.ChunkLen(p.a.Size, i) {
		return fmt.Errorf("%w: chunk %d is %d bytes, want %d", ErrMismatch, i, len(chunk), protocol.ChunkLen(p.a.Size, i))
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
	startWriteback(p.data, int64(i)*protocol.ChunkSize, int64(len(chunk)))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fetch of %x ended", p.h)
	}
	p.have[i] = 1
	if _, err := p.marks.WriteAt([]byte{1}, int64(i)); err != nil {
		return fmt.Errorf("mark chunk %d: %w", i, err)
	}
	return nil
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
	buf := make([]byte, protocol.ChunkLen(p.a.Size, i))
	if _, err := p.data.ReadAt(buf, int64(i)*protocol.ChunkSize); err != nil {
		return nil, fmt.Errorf("read chunk %d: %w", i, err)
	}
	return buf, nil
}

// Finish syncs the file, whose every chunk is here and was checked as it
// came, and moves it into the store.
func (p *Partial) Finish() error {
	if missing := len(p.Missing()); missing > 0 {
		return fmt.Errorf("%d chunks of %q still missing", missing, p.a.Name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fetch of %x ended", p.h)
	}
	if err := p.data.Sync(); err != nil {
		return fmt.Errorf("finish fetch: %w", err)
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

// recheck reads back every chunk marked present (a fetch begun before
// this start: the marks may have reached the disk when the bytes did not)
// and forgets those whose bytes are wrong; it returns how many. p.mu is
// held.
func (p *Partial) recheck() int {
	lost := 0
	var buf []byte
	for i, mark := range p.have {
		if mark != 1 {
			continue
		}
		if buf == nil {
			buf = make([]byte, protocol.ChunkSize)
		}
		n := protocol.ChunkLen(p.a.Size, i)
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
	p.data.Close()
	p.marks.Close()
}

// Resume returns the fetch of the file with hash h begun before, with the
// size and chunk list it was begun with (checked again against the hash),
// if there is one.
func (s *Store) Resume(a protocol.Attachment, limit int64) (*Partial, error) {
	base := s.partialPath(a.HashID())
	list, err := os.ReadFile(base + ".chunks")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no fetch of %x begun", ErrNotFound, a.HashID())
	}
	if err != nil {
		return nil, fmt.Errorf("resume fetch: %w", err)
	}
	st, err := os.Stat(base)
	if err != nil {
		return nil, fmt.Errorf("resume fetch: %w", err)
	}
	a.Size = uint64(st.Size()) // set by Begin from the size the hash proves
	return s.Begin(a, list, limit)
}

// Attachment returns the file being fetched, with the size its hash
// proves (a record may claim another).
func (p *Partial) Attachment() protocol.Attachment { return p.a }

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
