package store

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol/prototest"
)

// TestDamagedFilesGiveErrors damages each kind of file of a store in
// several ways (removed, truncated, emptied, bytes overwritten) and opens
// it: Open fails with ErrDamaged (always, for a table: Open reads them
// all) and deletes nothing, or opens a store whose check reports the
// damage; nothing may panic (Badger opens tables in goroutines of its
// own, where a panic ends the process). The memtable log comes from a
// copy of a store taken while open, as a crash leaves it.
func TestDamagedFilesGiveErrors(t *testing.T) {
	ctx := context.Background()
	community, records := prototest.BusyCommunity(t, founder, 12_000)
	closed, crashed := t.TempDir(), t.TempDir()
	s, err := Open(closed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, records[:11_000]); err != nil {
		t.Fatal(err)
	}
	for _, r := range records[11_000:11_050] {
		if _, err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A copy of it open, with its last writes in a memtable log; taken
	// once the compactions the ingest started have settled (a table they
	// remove mid-copy makes a copy no crash would leave).
	for try := 0; ; try++ {
		time.Sleep(500 * time.Millisecond)
		os.RemoveAll(crashed)
		if err := tryCopyDir(closed, crashed); err == nil {
			break
		} else if try == 20 {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	type target struct{ src, name string }
	var targets []target
	for _, pattern := range []string{"*.sst", "MANIFEST", "*.vlog", "*.mem", "KEYREGISTRY"} {
		for _, src := range []string{closed, crashed} {
			names, _ := filepath.Glob(filepath.Join(src, pattern))
			for _, name := range names[:min(len(names), 1)] {
				targets = append(targets, target{src, filepath.Base(name)})
			}
		}
	}
	if !slices.ContainsFunc(targets, func(tg target) bool { return strings.HasSuffix(tg.name, ".mem") }) {
		t.Fatalf("no memtable log to damage among %v", targets)
	}
	damages := map[string]func(data []byte) []byte{
		"removed":        nil,
		"emptied":        func([]byte) []byte { return nil },
		"cut in half":    func(d []byte) []byte { return d[:len(d)/2] },
		"last byte cut":  func(d []byte) []byte { return d[:max(0, len(d)-1)] },
		"footer garbled": func(d []byte) []byte { return garble(d, len(d)-8, 8) },
		"middle garbled": func(d []byte) []byte { return garble(d, len(d)/2, 64) },
		"header garbled": func(d []byte) []byte { return garble(d, 0, 16) },
	}
	var opened, refused int
	for _, tg := range targets {
		for name, damage := range damages {
			t.Run(filepath.Base(tg.src)+" "+tg.name+" "+name, func(t *testing.T) {
				dir := t.TempDir()
				copyDir(t, tg.src, dir)
				path := filepath.Join(dir, tg.name)
				if damage == nil {
					if err := os.Remove(path); err != nil {
						t.Fatal(err)
					}
				} else {
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, damage(data), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
				s, err := Open(dir, Options{})
				isTable := strings.HasSuffix(tg.name, ".sst")
				if isLog := strings.HasSuffix(tg.name, ".mem") || strings.HasSuffix(tg.name, ".vlog"); isLog && name == "emptied" && err != nil {
					t.Errorf("an emptied log (as a crash leaves one) does not open: %v", err)
				}
				if err == nil && (isTable || tg.name == "MANIFEST") {
					t.Errorf("a damaged %s opens", tg.name)
				}
				if err != nil {
					refused++
					if !errors.Is(err, ErrDamaged) {
						t.Errorf("Open gives %v, want ErrDamaged", err)
					}
					if damage == nil && isTable && !strings.Contains(err.Error(), "table file "+tg.name+" is missing") {
						t.Errorf("a removed table: %v", err)
					}
					// A refusal deletes nothing: every table is still there.
					for _, table := range tables {
						if _, err := os.Stat(table); err != nil {
							t.Errorf("a refused Open lost %s: %v", filepath.Base(table), err)
						}
					}
					return
				}
				opened++
				// Reading may fail; it may not panic.
				rep, cerr := s.Check(ctx)
				if isTable && cerr == nil && len(rep.Problems) == 0 {
					t.Errorf("a damaged table passes the check")
				}
				_, _ = s.Threads(ctx, community, Newest, ThreadFilter{}, "", 50)
				_ = s.Close()
			})
		}
	}
	t.Logf("%d damaged stores refused at open, %d opened", refused, opened)
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
	if err := tryCopyDir(src, dst); err != nil {
		t.Fatal(err)
	}
}

// tryCopyDir copies the files of src into dst (created if need be).
func tryCopyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			in.Close()
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// TestCrashLeftoverTable: a table a crash left half-written (full size,
// zero-filled, not yet in the manifest) is no damage: Badger deletes it
// at open. The same zeros in a table the manifest lists are damage, said
// as such (a flatbuffer walk over them panicked).
func TestCrashLeftoverTable(t *testing.T) {
	_, records := prototest.BusyCommunity(t, founder, 12_000)
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	if err := os.WriteFile(filepath.Join(dir, "000999.sst"), zeros, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("a leftover table not in the manifest: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table")
	}
	fi, err := os.Stat(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tables[0], make([]byte, fi.Size()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(tables[0])) {
		t.Errorf("a listed table of zeros: %v", err)
	}
}
