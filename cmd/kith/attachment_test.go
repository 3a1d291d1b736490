package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
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
	// A directory is refused as such, not taken for a daemon gone.
	sub := filepath.Join(dir, "photos")
	must(t, os.Mkdir(sub, 0o700))
	if r := a.run(t, "post", "new", id, "--title", "A folder", "--attach", sub); r.code != 1 || !strings.Contains(r.stderr, "not a file (a directory)") ||
		strings.Contains(r.stderr, "no daemon") {
		t.Errorf("attach a directory: exit %d, %q", r.code, r.stderr)
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

// TestAttachmentFetchSurvivesAKill: a daemon killed (SIGKILL) in the middle
// of fetching a 100 MiB file resumes after it starts again: it fetches
// only what it lacked, and the file is whole.
func TestAttachmentFetchSurvivesAKill(t *testing.T) {
	a := startDaemon(t)
	bHome := t.TempDir()
	b := startDaemonAt(t, bHome, "--auto-fetch-mb", "0")
	id := a.createdID(t, "community", "create", "--name", "Big files")
	b.createdID(t, "community", "join", strings.TrimSpace(a.mustRun(t, "community", "invite", id)))
	dir := t.TempDir()
	data := make([]byte, 100<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	path := filepath.Join(dir, "dataset.bin")
	must(t, os.WriteFile(path, data, 0o600))
	post := a.createdID(t, "post", "new", id, "--title", "Dataset", "--attach", path)
	hash := decode[[]api.FileEntry](t, a.mustRun(t, "attachment", "list", id, "--json"))[0].Hash.String()
	b.poll(t, 20*time.Second, func() string { return "the post never reached b" }, func() bool {
		return b.run(t, "post", "show", post).code == 0
	})

	// Start the fetch, and kill the daemon once part of the file is there.
	get := exec.Command(kithBin, "--home", bHome, "attachment", "get", hash, "-o", filepath.Join(dir, "first"))
	get.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	must(t, get.Start())
	marks := filepath.Join(bHome, "files", "partial", hash+".have")
	deadline := time.Now().Add(30 * time.Second)
	had := 0
	for had < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("the fetch never started: %d chunks", had)
		}
		m, _ := os.ReadFile(marks)
		had = bytes.Count(m, []byte{1})
		time.Sleep(2 * time.Millisecond)
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	get.Wait()
	m, _ := os.ReadFile(marks)
	had = bytes.Count(m, []byte{1})
	if had >= 100 {
		t.Skip("the whole file came before the kill; nothing to resume")
	}

	b = startDaemonAt(t, bHome, "--auto-fetch-mb", "0")
	b.poll(t, 20*time.Second, func() string { return "b never reconnected to a" }, func() bool {
		var st api.Status
		r := b.run(t, "status", "--json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &st) == nil && st.Peers > 0
	})
	out := filepath.Join(dir, "second")
	if r := b.run(t, "attachment", "get", hash, "-o", out); r.code != 0 {
		t.Fatalf("get after the restart: %s\n%s", r.stderr, b.logs())
	}
	got, err := os.ReadFile(out)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Fatal("the resumed file differs")
	}
	fetched := metric(t, b, `kith_file_bytes_total{direction="in"}`)
	if fetched > float64(len(data)-had*(1<<20)+16<<20) {
		t.Errorf("after the restart %v bytes were fetched, with %d of 100 chunks here already", fetched, had)
	}
	t.Logf("killed with %d of 100 chunks here; %.0f MiB fetched after the restart", had, fetched/(1<<20))
}

// metric scrapes one sample from a daemon's /metrics.
func metric(t *testing.T, d *daemon, name string) float64 {
	t.Helper()
	addr, err := os.ReadFile(filepath.Join(d.home, "api.addr"))
	must(t, err)
	token, err := os.ReadFile(filepath.Join(d.home, "api.token"))
	must(t, err)
	req, _ := http.NewRequest(http.MethodGet, "http://"+strings.TrimSpace(string(addr))+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			must(t, err)
			return f
		}
	}
	return 0
}

// TestAttachmentGetIntoADirectory: `attachment get HASH -o DIR` saves the
// file into DIR under its attached name (it failed: "rename ... file
// exists"); a file of that name there is not replaced unless --force, and
// nothing is left behind either way.
func TestAttachmentGetIntoADirectory(t *testing.T) {
	d := startDaemon(t)
	id := d.createdID(t, "community", "create", "--name", "Files")
	src := filepath.Join(t.TempDir(), "slides v2.pdf")
	data := []byte("%PDF-1.7 the slides")
	must(t, os.WriteFile(src, data, 0o600))
	d.createdID(t, "post", "new", id, "--title", "Slides", "--attach", src)
	hash := decode[[]api.FileEntry](t, d.mustRun(t, "attachment", "list", id, "--json"))[0].Hash.String()

	// The command post show offers holds no name of the author's choosing
	// (pasted into a shell, a quoted name can still run commands).
	sneaky := filepath.Join(t.TempDir(), "$(touch PWNED).txt")
	must(t, os.WriteFile(sneaky, []byte("data"), 0o600))
	post := d.createdID(t, "post", "new", id, "--title", "Sneaky", "--attach", sneaky)
	show := d.mustRun(t, "post", "show", post)
	if i := strings.Index(show, "📎 $(touch PWNED).txt"); i < 0 || !strings.Contains(show[i:], "kith attachment get ") || strings.Contains(show[i+len("📎 $(touch PWNED).txt"):], "PWNED") ||
		!strings.HasSuffix(strings.TrimSpace(show), "-o .") {
		t.Errorf("post show offers a command with the attached name in it:\n%s", show)
	}

	dir := t.TempDir()
	saved := filepath.Join(dir, "slides v2.pdf")
	if r := d.run(t, "attachment", "get", hash[:12], "-o", dir); r.code != 0 || !strings.Contains(r.stderr, saved) {
		t.Fatalf("get into a directory: exit %d, %q", r.code, r.stderr)
	}
	if got, err := os.ReadFile(saved); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("saved: %q, %v", got, err)
	}

	must(t, os.WriteFile(saved, []byte("my own edits"), 0o600))
	r := d.run(t, "attachment", "get", hash, "-o", dir)
	if r.code != 1 || !strings.Contains(r.stderr, saved) || !strings.Contains(r.stderr, "--force") {
		t.Errorf("get over a file of the same name: exit %d, %q; want a refusal that says --force", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(saved); string(got) != "my own edits" {
		t.Errorf("the file there was replaced: %q", got)
	}
	if r := d.run(t, "attachment", "get", hash, "-o", dir+string(filepath.Separator), "--force"); r.code != 0 {
		t.Errorf("get --force: exit %d, %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(saved); !bytes.Equal(got, data) {
		t.Errorf("after --force: %q", got)
	}
	as := filepath.Join(t.TempDir(), "as.pdf")
	if got := decode[savedJSON](t, d.mustRun(t, "attachment", "get", hash, "-o", as, "--json")); got.File != as || got.Hash.String() != hash || got.Bytes != int64(len(data)) {
		t.Errorf("get --json: %+v", got)
	}
	if r := d.run(t, "attachment", "get", hash, "-o", "-", "--json"); r.code != 1 || !strings.Contains(r.stderr, "one or the other") {
		t.Errorf("get -o - --json: exit %d, %q", r.code, r.stderr)
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	if len(entries) != 1 {
		t.Errorf("left in the directory: %v", entries)
	}
	// A directory that is not there is said before the fetch, by the
	// name given.
	nowhere := filepath.Join(dir, "missing", "slides.pdf")
	if r := d.run(t, "attachment", "get", hash, "-o", nowhere); r.code != 1 || !strings.Contains(r.stderr, filepath.Dir(nowhere)+" does not exist") || strings.Contains(r.stderr, "fetching") {
		t.Errorf("get into a missing directory: exit %d, %q", r.code, r.stderr)
	}
	// A copy damaged on this node's disk is not handed out as the file.
	blob := filepath.Join(d.home, home.FilesDir, hash[:2], hash)
	raw, err := os.ReadFile(blob)
	must(t, err)
	raw[3] ^= 1
	must(t, os.WriteFile(blob, raw, 0o600))
	if r := d.run(t, "attachment", "get", hash, "-o", filepath.Join(t.TempDir(), "x.pdf")); r.code != 1 || !strings.Contains(r.stderr, "damaged") {
		t.Errorf("get of a damaged copy: exit %d, %q", r.code, r.stderr)
	}
	// A community without files lists none, as JSON too.
	empty := d.createdID(t, "community", "create", "--name", "No files")
	if out := strings.TrimSpace(d.mustRun(t, "attachment", "list", empty, "--json")); out != "[]" {
		t.Errorf("attachment list --json of a community without files: %q", out)
	}
}

// TestSavePathStaysInTheDirectory: a name that is not one plain path
// element (as no valid record holds, but the CLI checks what the daemon
// says) never makes a path outside the directory.
func TestSavePathStaysInTheDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "../evil", "a/b", `a\b`, "/etc/passwd", "bad\x1bname", " lead", ".bash_profile", ".env"} {
		if p, err := savePathIn(dir, name); err == nil {
			t.Errorf("name %q: saved as %s", name, p)
		}
	}
	if p, err := savePathIn(dir, "report (final).pdf"); err != nil || p != filepath.Join(dir, "report (final).pdf") {
		t.Errorf("a plain name: %q, %v", p, err)
	}
}
