package blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kith-network/kith/protocol"
)

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// attachmentOf returns what a record would say of data, and its chunk list.
func attachmentOf(data []byte, name string) (protocol.Attachment, []byte) {
	h := protocol.NewFileHasher()
	h.Write(data)
	return h.Attachment(name, "application/octet-stream")
}

// files lists every file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestAddOpenRemove(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*protocol.ChunkSize+100, 1)
	a, err := s.Add(context.Background(), bytes.NewReader(data), "../../escape.bin", "application/octet-stream", 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	want, list := attachmentOf(data, "../../escape.bin")
	if !bytes.Equal(a.Hash, want.Hash) || a.Size != uint64(len(data)) {
		t.Fatalf("Add = %+v, want %+v", a, want)
	}
	h := a.HashID()
	if !s.Has(h) || verify(s, h) != nil {
		t.Fatal("the added file is not here, or does not verify")
	}
	f, err := s.Open(h)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Error("the stored bytes differ")
	}
	if size, l, err := s.ChunkList(h); err != nil || !bytes.Equal(l, list) || size != uint64(len(data)) {
		t.Errorf("ChunkList: %v", err)
	}
	if c, err := s.ReadChunk(h, 2, nil); err != nil || !bytes.Equal(c, data[2*protocol.ChunkSize:]) {
		t.Errorf("ReadChunk(2): %d bytes, %v", len(c), err)
	}
	if _, err := s.ReadChunk(h, 3, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadChunk past the end: %v", err)
	}
	if hs, err := s.Hashes(); err != nil || !slices.Equal(hs, []protocol.ID{h}) {
		t.Errorf("Hashes = %x, %v", hs, err)
	}
	// A byte changed on disk: the file is not handed out, and goes.
	raw, err := os.ReadFile(s.path(h))
	if err != nil {
		t.Fatal(err)
	}
	raw[protocol.ChunkSize+7] ^= 1
	if err := os.WriteFile(s.path(h), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenChecked(h); !errors.Is(err, ErrMismatch) || s.Has(h) {
		t.Errorf("OpenChecked of a damaged file: %v, still here %v", err, s.Has(h))
	}
	if _, err := s.Add(context.Background(), bytes.NewReader(data), "again.bin", "application/octet-stream", 10<<20); err != nil || verify(s, h) != nil {
		t.Fatalf("added again: %v", err)
	}
	// The name went nowhere near the disk.
	for _, f := range files(t, filepath.Dir(dir)) {
		if filepath.Base(f) == "escape.bin" {
			t.Errorf("a file named after the attachment: %s", f)
		}
	}

	// A disk that rots is noticed.
	path := filepath.Join(dir, a.HashID().String()[:2], a.HashID().String())
	os.WriteFile(path, append(data[:len(data)-1:len(data)-1], 'x'), 0o600)
	if err := verify(s, h); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify of a changed file: %v", err)
	}

	if err := s.Remove(h); err != nil {
		t.Fatal(err)
	}
	if s.Has(h) || len(files(t, dir)) != 0 {
		t.Errorf("after Remove: %v", files(t, dir))
	}
	if _, err := s.Open(h); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Remove: %v", err)
	}

	// Over the limit: refused, nothing left behind.
	if _, err := s.Add(context.Background(), bytes.NewReader(data), "big", "application/octet-stream", 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Add over the limit: %v", err)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("a refused file left %v", left)
	}
	// A cancelled copy leaves nothing either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Add(ctx, bytes.NewReader(data), "c", "text/plain", 10<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a cancelled context: %v", err)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("a cancelled add left %v", left)
	}
}

// TestFetchResumes: chunks arrive out of order, a bad one is refused and
// written nowhere, the fetch survives a restart of the store with the
// chunks it had, and the finished file is whole.
func TestFetchResumes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(5*protocol.ChunkSize+7, 2)
	a, list := attachmentOf(data, "slides.pdf")
	chunk := func(i int) []byte {
		return data[i*protocol.ChunkSize : min((i+1)*protocol.ChunkSize, len(data))]
	}
	if _, err := s.Begin(a, list, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Begin over the limit: %v", err)
	}
	forged := slices.Clone(list)
	forged[0] ^= 1
	if _, err := s.Begin(a, forged, 100<<20); !errors.Is(err, ErrMismatch) {
		t.Errorf("Begin with a forged chunk list: %v", err)
	}
	p, err := s.Begin(a, list, 100<<20)
	if err != nil {
		t.Fatal(err)
	}
	if same, _ := s.Begin(a, list, 100<<20); same != p {
		t.Error("two fetches of one file do not share their Partial")
	}
	for _, i := range []int{4, 1} {
		if err := p.Put(i, chunk(i)); err != nil {
			t.Fatal(err)
		}
	}
	bad := slices.Clone(chunk(0))
	bad[100] ^= 0xff
	for name, put := range map[string]func() error{
		"corrupt chunk":  func() error { return p.Put(0, bad) },
		"short chunk":    func() error { return p.Put(0, chunk(0)[:10]) },
		"chunk elsewise": func() error { return p.Put(0, chunk(2)) },
		"no such chunk":  func() error { return p.Put(6, chunk(5)) },
		"negative chunk": func() error { return p.Put(-1, chunk(0)) },
	} {
		if err := put(); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := p.Missing(); !slices.Equal(got, []int{0, 2, 3, 5}) {
		t.Errorf("Missing = %v", got)
	}
	if c, err := s.ReadChunk(a.HashID(), 4, nil); err != nil || !bytes.Equal(c, chunk(4)) {
		t.Errorf("serving a chunk of a fetch in progress: %v", err)
	}
	if _, err := s.ReadChunk(a.HashID(), 0, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("serving a chunk not yet here: %v", err)
	}
	if err := p.Finish(); err == nil {
		t.Error("Finish with chunks missing")
	}

	// The node stops; the fetch resumes at the next start.
	s.Close()
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err = s.Resume(a, 100<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Missing(); !slices.Equal(got, []int{0, 2, 3, 5}) {
		t.Fatalf("after a restart Missing = %v", got)
	}
	if got := p.Received(); got != 2*protocol.ChunkSize {
		t.Errorf("Received = %d", got)
	}
	for _, i := range p.Missing() {
		if err := p.Put(i, chunk(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A chunk marked present but lost on disk (a crash before the disk
	// had it) is found when the fetch resumes, and fetched again.
	f, _ := os.OpenFile(s.partialPath(a.HashID()), os.O_RDWR, 0)
	f.WriteAt(make([]byte, 10), 3*protocol.ChunkSize+5)
	f.Close()
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	if p, err = s.Resume(a, 100<<20); err != nil {
		t.Fatal(err)
	}
	if got := p.Missing(); !slices.Equal(got, []int{3}) || p.Lost() != 1 {
		t.Fatalf("after the lost chunk Missing = %v, Lost = %d", got, p.Lost())
	}
	if err := p.Finish(); err == nil {
		t.Fatal("Finish with a chunk missing succeeded")
	}
	must(t, p.Put(3, chunk(3)))
	must(t, p.Finish())
	if !s.Has(a.HashID()) || verify(s, a.HashID()) != nil {
		t.Fatal("the finished file is not here whole")
	}
	if left := files(t, filepath.Join(dir, "partial")); len(left) != 0 {
		t.Errorf("the finished fetch left %v", left)
	}
	if _, err := s.Resume(a, 100<<20); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resume of a finished fetch: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzPut: whatever chunk arrives for whatever index, a fetch writes only
// chunks whose hash is in its list, and never panics.
func FuzzPut(f *testing.F) {
	data := randomBytes(2*protocol.ChunkSize+3, 3)
	a, list := attachmentOf(data, "f")
	f.Add(0, []byte("x"))
	f.Add(2, data[2*protocol.ChunkSize:])
	f.Add(-5, []byte{})
	f.Add(1<<30, []byte{1})
	f.Fuzz(func(t *testing.T, i int, chunk []byte) {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p, err := s.Begin(a, list, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Put(i, chunk)
		legit := i >= 0 && i < 3 && bytes.Equal(chunk, data[i*protocol.ChunkSize:min((i+1)*protocol.ChunkSize, len(data))])
		if (err == nil) != legit {
			t.Errorf("Put(%d, %d bytes) = %v", i, len(chunk), err)
		}
	})
}

// TestLyingRecord: a record whose hash is not that of the chunk list
// peers serve, or that claims another size for it, cannot begin a fetch:
// no chunk of it is ever written.
func TestLyingRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	must(t, err)
	data := randomBytes(protocol.ChunkSize+10, 9)
	a, list := attachmentOf(data, "x")
	other := sha256.Sum256([]byte("another file"))
	wrongHash, wrongSize := a, a
	wrongHash.Hash = other[:]
	wrongSize.Size--
	for name, a := range map[string]protocol.Attachment{"hash": wrongHash, "size": wrongSize} {
		if _, err := s.Begin(a, list, 10<<20); !errors.Is(err, ErrMismatch) {
			t.Errorf("Begin with the wrong %s: %v", name, err)
		}
	}
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("a lying record left %v", left)
	}
}

// verify re-reads a complete file and reports whether its bytes still
// have hash h.
func verify(s *Store, h protocol.ID) error {
	f, err := s.OpenChecked(h)
	if err == nil {
		f.Close()
	}
	return err
}
