package store

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-network/kith/protocol/prototest"
)

// TestDamagedFilesGiveErrors damages each kind of file of a closed store
// in several ways (truncated, emptied, bytes overwritten) and opens it:
// Open fails with ErrDamaged (always, for a table: Open reads them all),
// or opens a store whose check reports the damage; nothing may panic (Badger opens tables in goroutines of its own,
// where a panic ends the process).
func TestDamagedFilesGiveErrors(t *testing.T) {
	community, records := prototest.BusyCommunity(t, founder, 12_000)
	src := t.TempDir()
	s, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, pattern := range []string{"*.sst", "MANIFEST", "*.vlog", "*.mem"} {
		names, _ := filepath.Glob(filepath.Join(src, pattern))
		if len(names) > 2 {
			names = names[:2]
		}
		targets = append(targets, names...)
	}
	if !slicesHasSuffix(targets, ".sst") {
		t.Fatalf("no table files to damage among %v", targets)
	}
	damages := map[string]func(data []byte) []byte{
		"emptied":        func([]byte) []byte { return nil },
		"cut in half":    func(d []byte) []byte { return d[:len(d)/2] },
		"last byte cut":  func(d []byte) []byte { return d[:max(0, len(d)-1)] },
		"footer garbled": func(d []byte) []byte { return garble(d, len(d)-8, 8) },
		"middle garbled": func(d []byte) []byte { return garble(d, len(d)/2, 64) },
		"header garbled": func(d []byte) []byte { return garble(d, 0, 16) },
	}
	var opened, refused int
	for _, target := range targets {
		for name, damage := range damages {
			t.Run(filepath.Base(target)+" "+name, func(t *testing.T) {
				dir := t.TempDir()
				copyDir(t, src, dir)
				path := filepath.Join(dir, filepath.Base(target))
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, damage(data), 0o600); err != nil {
					t.Fatal(err)
				}
				s, err := Open(dir, Options{})
				if err == nil && strings.HasSuffix(target, ".sst") {
					t.Errorf("a damaged table opens")
				}
				if err != nil {
					refused++
					if !errors.Is(err, ErrDamaged) {
						t.Errorf("Open gives %v, want ErrDamaged", err)
					}
					return
				}
				opened++
				// Reading may fail; it may not panic.
				rep, cerr := s.Check(context.Background())
				if strings.HasSuffix(target, ".sst") && cerr == nil && len(rep.Problems) == 0 {
					t.Errorf("a garbled table passes the check")
				}
				_, _ = s.Threads(context.Background(), community, Newest, ThreadFilter{}, "", 50)
				_ = s.Close()
			})
		}
	}
	t.Logf("%d damaged stores refused at open, %d opened", refused, opened)
}

func slicesHasSuffix(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// garble overwrites n bytes of d from off (clamped to d) with 0xA5.
func garble(d []byte, off, n int) []byte {
	off = max(0, off)
	for i := off; i < min(len(d), off+n); i++ {
		d[i] ^= 0xA5
	}
	return d
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
}
