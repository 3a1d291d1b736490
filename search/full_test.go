//go:build linux

package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFullDisk: on a file system that fills up, Apply returns ErrWrite
// (no panic), and the index opened again takes writes and reads once
// space is freed. Without reopening, bleve's next write panicked. It
// needs root, to mount a small tmpfs.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	path := filepath.Join(dir, "idx")
	x, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	batch := func(i int) map[string]*Doc {
		docs := map[string]*Doc{}
		for j := range 50 {
			ws := make([]string, 2000)
			for k := range ws {
				ws[k] = word()
			}
			docs[fmt.Sprintf("d%d-%d", i, j)] = &Doc{Community: "c", Kind: "post", Record: "r", Title: "t", Body: strings.Join(ws, " "), Author: "a", Created: time.Now(), Current: true}
		}
		return docs
	}
	ctx := context.Background()
	var werr error
	for i := 0; werr == nil; i++ {
		if i > 1000 {
			t.Fatal("8 MB never filled up")
		}
		werr = x.Apply(ctx, batch(i), nil, nil)
	}
	if !errors.Is(werr, ErrWrite) {
		t.Fatalf("a write on a full disk: %v, want ErrWrite", werr)
	}
	// Opened again (as the indexer does), with the space back.
	x.Close()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=64m"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	x, err = Open(path)
	if err != nil {
		t.Fatalf("open after the failed write: %v", err)
	}
	defer x.Close()
	if err := x.Apply(ctx, map[string]*Doc{"after": {Community: "c", Kind: "post", Record: "r", Title: "after the disk was full", Created: time.Now(), Current: true}}, nil, nil); err != nil {
		t.Fatalf("a write after reopening: %v", err)
	}
}
