// Package blobs keeps attachment bytes on disk, by hash, beside the
// node's Badger store: complete files, their chunk hash lists, and files
// being fetched (kept chunk by chunk, so a fetch cut halfway resumes).
//
// Paths come only from hashes, never from a file's name or any other
// byte a peer chose, so nothing is ever written outside the directory.
package blobs

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kith-network/kith/protocol"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("attachment not here")
	ErrTooLarge = errors.New("attachment larger than this node's limit")
	ErrMismatch = errors.New("attachment bytes do not match their record")
)

// Store is a directory of attachments:
//
//	<dir>/<hh>/<hash>          a complete file (hh: the hash's first byte, in hex)
//	<dir>/<hh>/<hash>.chunks   its chunk hash list
//	<dir>/partial/<hash>       a file being fetched, chunks at their offsets
//	<dir>/partial/<hash>.have  which of its chunks are there, a byte each
//	<dir>/partial/<hash>.chunks
//	<dir>/tmp/                 files being added
type Store struct {
	dir string

	mu       sync.Mutex
	partials map[protocol.ID]*Partial // open fetches, one per file
}

// Open opens (creating if need be) the store in dir.
func Open(dir string) (*Store, error) {
	for _, d := range []string{dir, filepath.Join(dir, "partial"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open attachment store: %w", err)
		}
	}
	// Files being added when the node stopped are of no use now.
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	for _, e := range tmp {
		os.Remove(filepath.Join(dir, "tmp", e.Name()))
	}
	return &Store{dir: dir, partials: make(map[protocol.ID]*Partial)}, nil
}

func (s *Store) path(h protocol.ID) string {
	x := hex.EncodeToString(h[:])
	return filepath.Join(s.dir, x[:2], x)
}

func (s *Store) partialPath(h protocol.ID) string {
	return filepath.Join(s.dir, "partial", hex.EncodeToString(h[:]))
}

// Has reports whether the complete file with hash h is here.
func (s *Store) Has(h protocol.ID) bool {
	_, err := os.Stat(s.path(h))
	return err == nil
}

// Open opens the complete file with hash h for reading.
func (s *Store) Open(h protocol.ID) (*os.File, error) {
	f, err := os.Open(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %x", ErrNotFound, h)
	}
	return f, err
}

// OpenChecked opens the complete file with hash h for reading, having
// first read it whole to check that its bytes still hash to h: a file
// damaged on disk (a failing disk, a hand edit) would otherwise be handed
// to the member as it is, since the name says nothing of the contents.
// A damaged file is removed, so that the next fetch gets it from peers
// again, and the error wraps ErrMismatch.
func (s *Store) OpenChecked(h protocol.ID) (*os.File, error) {
	f, err := s.Open(h)
	if err != nil {
		return nil, err
	}
	sum := protocol.NewFileHasher()
	_, err = io.Copy(sum, f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("check attachment %x: %w", h, err)
	}
	if a, _ := sum.Attachment("", ""); a.HashID() != h {
		f.Close()
		if err := s.Remove(h); err != nil {
			return nil, fmt.Errorf("%w: the file on disk for %x is damaged, and removing it failed: %v", ErrMismatch, h, err)
		}
		return nil, fmt.Errorf("%w: the file on disk for %x was damaged (removed: fetch it again)", ErrMismatch, h)
	}
	return f, nil
}

// ChunkList returns the size and chunk hash list of a file here,
// complete or being fetched (whose file has its full size from the
// start).
func (s *Store) ChunkList(h protocol.ID) (uint64, []byte, error) {
	for _, p := range []string{s.path(h), s.partialPath(h)} {
		list, err := os.ReadFile(p + ".chunks")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("read chunk list: %w", err)
		}
		st, err := os.Stat(p)
		if err != nil {
			return 0, nil, fmt.Errorf("read chunk list: %w", err)
		}
		return uint64(st.Size()), list, nil
	}
	return 0, nil, fmt.Errorf("%w: %x", ErrNotFound, h)
}

// ReadChunk reads chunk i of the file with hash h, from the complete file
// or from a fetch in progress that has it, into buf if it is large enough
// (a server reuses one). Chunks are cut by the size of the bytes here,
// which match h, never by what a record claims.
func (s *Store) ReadChunk(h protocol.ID, i int, buf []byte) ([]byte, error) {
	f, err := s.Open(h)
	if errors.Is(err, ErrNotFound) {
		s.mu.Lock()
		p := s.partials[h]
		s.mu.Unlock()
		if p == nil {
			return nil, err
		}
		return p.ReadChunk(i)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read chunk %d of %x: %w", i, h, err)
	}
	size := uint64(st.Size())
	if i < 0 || i >= protocol.ChunkCount(size) {
		return nil, fmt.Errorf("%w: chunk %d of %x", ErrNotFound, i, h)
	}
	if n := protocol.ChunkLen(size, i); cap(buf) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := f.ReadAt(buf, int64(i)*protocol.ChunkSize); err != nil {
		return nil, fmt.Errorf("read chunk %d of %x: %w", i, h, err)
	}
	return buf, nil
}

// Add copies a local file into the store, up to limit bytes, and returns
// its attachment with name and media type. The caller signs a record
// naming it.
func (s *Store) Add(ctx context.Context, r io.Reader, name, mediaType string, limit int64) (protocol.Attachment, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "add-")
	if err != nil {
		return protocol.Attachment{}, fmt.Errorf("add attachment: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	defer tmp.Close()
	hasher := protocol.NewFileHasher()
	n, err := io.Copy(io.MultiWriter(tmp, hasher), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return protocol.Attachment{}, fmt.Errorf("add attachment %q: %w", name, err)
	}
	if n > limit {
		return protocol.Attachment{}, fmt.Errorf("%w: %q is over %d bytes", ErrTooLarge, name, limit)
	}
	a, list := hasher.Attachment(name, mediaType)
	if err := tmp.Sync(); err != nil {
		return protocol.Attachment{}, fmt.Errorf("add attachment: %w", err)
	}
	if err := s.install(a.HashID(), tmp.Name(), list); err != nil {
		return protocol.Attachment{}, err
	}
	return a, nil
}

// install moves a complete, verified file into place with its chunk list.
func (s *Store) install(h protocol.ID, from string, list []byte) error {
	dst := s.path(h)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("install attachment: %w", err)
	}
	if err := writeFileSync(dst+".chunks", list); err != nil {
		return fmt.Errorf("install attachment: %w", err)
	}
	// The file last: a complete file always has its list.
	if err := os.Rename(from, dst); err != nil {
		return fmt.Errorf("install attachment: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// Remove deletes a file, complete or partial, and its chunk list: a
// tombstone purges attachments that no live record names any more.
func (s *Store) Remove(h protocol.ID) error {
	s.mu.Lock()
	if p := s.partials[h]; p != nil {
		p.mu.Lock()
		p.close()
		p.mu.Unlock()
		delete(s.partials, h)
	}
	s.mu.Unlock()
	var errs []error
	for _, p := range []string{s.path(h), s.path(h) + ".chunks", s.partialPath(h), s.partialPath(h) + ".have", s.partialPath(h) + ".chunks"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove attachment %x: %w", h, err)
	}
	return nil
}

// Hashes returns the hashes of the complete files here.
func (s *Store) Hashes() ([]protocol.ID, error) {
	var out []protocol.ID
	dirs, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(s.dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		for _, f := range files {
			if h, ok := parseHash(f.Name()); ok {
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// PartialHashes returns the hashes of the files being fetched.
func (s *Store) PartialHashes() ([]protocol.ID, error) {
	files, err := os.ReadDir(filepath.Join(s.dir, "partial"))
	if err != nil {
		return nil, fmt.Errorf("list fetches: %w", err)
	}
	var out []protocol.ID
	for _, f := range files {
		if h, ok := parseHash(f.Name()); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

func parseHash(name string) (protocol.ID, bool) {
	var h protocol.ID
	if len(name) != 2*len(h) || strings.ToLower(name) != name {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(name))
	return h, err == nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
