package main

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// filesOnDisk lists the files under a daemon's attachment store.
func filesOnDisk(t *testing.T, d *daemon) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(d.home, "files"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestAttachmentsEndToEnd runs three daemons: a 50 MiB file attached to a
// post on one arrives byte-identical on the two others (fetched on
// demand: it is over the automatic limit), a small one arrives by itself;
// hostile names and a file over a node's limit are refused; deleting the
// post removes both files from every node's disk.
func TestAttachmentsEndToEnd(t *testing.T) {
	a, b := startDaemon(t, "--max-file-mb", "60"), startDaemon(t, "--max-file-mb", "60")
	c := startDaemon(t, "--max-file-mb", "60")
	id := a.createdID(t, "community", "create", "--name", "Files")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", id))
	b.createdID(t, "community", "join", code)
	c.createdID(t, "community", "join", code)

	dir := t.TempDir()
	big := make([]byte, 50<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(big); i += 8 {
		v := rng.Uint64()
		for k := range 8 {
			big[i+k] = byte(v >> (8 * k))
		}
	}
	bigPath, smallPath := filepath.Join(dir, "dataset.bin"), filepath.Join(dir, "checklist.md")
	must(t, os.WriteFile(bigPath, big, 0o600))
	must(t, os.WriteFile(smallPath, []byte("# Checklist\n- [ ] back up\n"), 0o600))
	post := a.createdID(t, "post", "new", id, "--title", "Data", "--body", "see the files", "--attach", bigPath, "--attach", smallPath)

	show := a.mustRun(t, "post", "show", post)
	for _, want := range []string{"dataset.bin (application/octet-stream, 50.0 MiB)", "checklist.md (text/markdown, 26 B)"} {
		if !strings.Contains(show, want) {
			t.Errorf("post show lacks %q:\n%s", want, show)
		}
	}
	files := decode[[]api.FileEntry](t, a.mustRun(t, "attachment", "list", id, "--json"))
	if len(files) != 2 {
		t.Fatalf("attachment list: %+v", files)
	}
	var bigHash, smallHash string
	for _, f := range files {
		if f.Name == "dataset.bin" {
			bigHash = f.Hash.String()
		} else {
			smallHash = f.Hash.String()
		}
	}
	for _, d := range []*daemon{b, c} {
		// The small file comes by itself; the big one when asked.
		waitJSON(t, d, "the small file here", func(fs []api.FileEntry) bool {
			for _, f := range fs {
				if f.Hash.String() == smallHash {
					return f.Here
				}
			}
			return false
		}, "attachment", "list", id)
		out := filepath.Join(dir, "got-"+filepath.Base(d.home))
		start := time.Now()
		r := d.run(t, "attachment", "get", bigHash, "-o", out)
		if r.code != 0 {
			t.Fatalf("attachment get: %s\n%s", r.stderr, d.logs())
		}
		got, err := os.ReadFile(out)
		must(t, err)
		if sha256.Sum256(got) != sha256.Sum256(big) {
			t.Fatal("the fetched file differs from the one attached")
		}
		t.Logf("50 MiB fetched and saved in %v", time.Since(start).Round(time.Millisecond))
	}

	// Hostile names, and a file over the node's limit.
	for _, name := range []string{"bad\nname.txt", "bad\x1bname.txt", "in\u202evoice.txt"} {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte("x"), 0o600))
		if r := a.run(t, "post", "new", id, "--title", "Hostile", "--attach", p); r.code != 1 || !strings.Contains(r.stderr, "control character") {
			t.Errorf("attach %q: exit %d, %q", name, r.code, r.stderr)
		}
	}
	huge := filepath.Join(dir, "huge.bin")
	must(t, os.WriteFile(huge, nil, 0o600))
	must(t, os.Truncate(huge, 61<<20))
	if r := a.run(t, "post", "new", id, "--title", "Huge", "--attach", huge); r.code != 1 || !strings.Contains(r.stderr, "larger than this node's limit") {
		t.Errorf("attach a file over the limit: exit %d, %q", r.code, r.stderr)
	}

	// Deleting the post removes the files from every disk.
	a.mustRun(t, "post", "delete", post)
	for _, d := range []*daemon{a, b, c} {
		d.poll(t, 30*time.Second, func() string { return "files left on " + d.home + ": " + strings.Join(filesOnDisk(t, d), ", ") },
			func() bool { return len(filesOnDisk(t, d)) == 0 })
	}
	if r := b.run(t, "attachment", "get", bigHash, "-o", filepath.Join(dir, "again")); r.code != 1 || !bytes.Contains([]byte(r.stderr), []byte("no record")) {
		t.Errorf("get after the deletion: exit %d, %q", r.code, r.stderr)
	}
}
