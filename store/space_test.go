package store

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestDiskFull: with less free space than the store keeps free, Open,
// Put and Ingest refuse with ErrDiskFull, saying how much is free, and
// write nothing; with the space back, they write. (A real full disk made
// Badger die of SIGBUS in its memory-mapped files.)
func TestDiskFull(t *testing.T) {
	if _, ok := freeSpace(t.TempDir()); !ok {
		t.Skip("free space cannot be read on this system")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(dir, Options{MinFree: math.MaxInt64}); !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "MB free on the disk holding") {
		t.Fatalf("open with too little space: %v", err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, g := newWorld(t, protocol.JoinOpen)
	post := w.post(alice, "Written when there was room")
	s.minFree = math.MaxInt64 // as if the disk had filled up since
	if _, err := s.Put(ctx, g); !errors.Is(err, ErrDiskFull) {
		t.Errorf("put on a full disk: %v", err)
	}
	if _, err := s.Ingest(ctx, []*protocol.Record{g, post}); !errors.Is(err, ErrDiskFull) {
		t.Errorf("ingest on a full disk: %v", err)
	}
	if _, err := s.Get(ctx, g.ID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("a record was written on a full disk: %v", err)
	}
	s.minFree = DefaultMinFree
	if out := ingest(t, s, g, post); !out[0].Added || !out[1].Added {
		t.Errorf("with the space back: %+v", out)
	}
}

// TestNoRoomIsNotDamage: a file of the store that cannot grow (a full
// disk, the process's file size limit) is said as such, not as damage
// with the advice to move the store aside.
func TestNoRoomIsNotDamage(t *testing.T) {
	// As Badger said it, under ulimit -f.
	err := errors.New("Error while creating log file in valueLog.open error: while opening file: /home/kith/store/000005.vlog error: file too large")
	if !noRoom(err) || damagedBadger(err) && !noRoom(err) {
		t.Errorf("noRoom(%q) = false", err)
	}
	for _, err := range []error{
		errors.New("write /home/kith/store/000002.mem: no space left on device"),
		errors.New("sync 000001.vlog: disk quota exceeded"),
	} {
		if !noRoom(err) {
			t.Errorf("noRoom(%q) = false", err)
		}
	}
	if noRoom(errors.New("MANIFEST has bad magic")) {
		t.Error("damage taken for a full disk")
	}
}
