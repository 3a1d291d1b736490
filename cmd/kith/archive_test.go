package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestExportImport: a community exported on one node and imported into a
// fresh one, never connected to it, gives the identical set (digest); a
// tampered archive is refused, naming the record that failed, and
// nothing of it is stored; `import --check` refuses an archive whose
// records are valid but not the set its header describes.
func TestExportImport(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Portable", "--domain", "knowledge that moves")
	post := a.createdID(t, "post", "new", community, "--question", "--title", "How do we move our knowledge?", "--body", "In a file.")
	a.createdID(t, "post", "reply", post, "--body", "kith export, then kith import.")
	a.createdID(t, "note", "new", community, "--title", "Moving", "--body", "Export, verify, import.")
	file := filepath.Join(t.TempDir(), "portable.archive")
	out := a.mustRun(t, "export", community, "-o", file)
	if !strings.Contains(out, "5 records") && !strings.Contains(out, "records of community "+community) {
		t.Errorf("export said %q", out)
	}
	exported := strings.TrimSpace(out[strings.LastIndex(out, "digest ")+len("digest "):])

	b := startDaemon(t)
	out = b.mustRun(t, "import", file)
	if !strings.Contains(out, "every signature and rule checked") || !strings.Contains(out, "digest "+exported+": the same as the exporter's") {
		t.Errorf("import said %q (exported digest %s)", out, exported)
	}
	if list := b.mustRun(t, "post", "list", community); !strings.Contains(list, "How do we move our knowledge?") {
		t.Errorf("b's threads after the import: %q", list)
	}
	// Importing again changes nothing.
	if again := b.mustRun(t, "import", file); !strings.Contains(again, "(0 new)") {
		t.Errorf("second import said %q", again)
	}

	// One letter changed in a post's text: refused, by record.
	data, err := os.ReadFile(file)
	must(t, err)
	data0 := bytes.Clone(data)
	at := bytes.Index(data, []byte("In a file."))
	if at < 0 {
		t.Fatal("the post's text is not in the archive")
	}
	data[at] = 'O'
	tampered := filepath.Join(t.TempDir(), "tampered.archive")
	must(t, os.WriteFile(tampered, data, 0o600))
	c := startDaemon(t)
	r := c.run(t, "import", tampered)
	if r.code == 0 || !strings.Contains(r.stderr, "record ") || !strings.Contains(r.stderr, "refused") {
		t.Errorf("tampered import: exit %d, %s", r.code, r.stderr)
	}
	if list := c.mustRun(t, "community", "list"); strings.Contains(list, "Portable") {
		t.Errorf("a tampered archive left a community behind: %q", list)
	}
	// Checking needs no daemon.
	if r := kith(t, nil, "import", "--check", file); r.code != 0 || !strings.Contains(r.stdout, "every signature and rule checked") {
		t.Errorf("import --check: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	// Records valid alone, but not the set the exporter wrote: refused.
	_, recs := prototest.ArchiveRecords(t, data0)
	for name, set := range map[string][]*protocol.Record{
		"lacks its community's genesis": recs[1:],
		"is in the archive twice":       append(recs, recs[len(recs)-1]),
	} {
		f := filepath.Join(t.TempDir(), "set.archive")
		must(t, os.WriteFile(f, prototest.Archive(t, recs[0].ID(), set), 0o600))
		if r := kith(t, nil, "import", "--check", f); r.code == 0 || !strings.Contains(r.stderr, name) {
			t.Errorf("import --check of an archive that %s: exit %d, %s", name, r.code, r.stderr)
		}
	}
	other := filepath.Join(t.TempDir(), "notes.txt")
	must(t, os.WriteFile(other, []byte("just some notes\n"), 0o600))
	if r := kith(t, nil, "import", "--check", other); r.code == 0 || !strings.Contains(r.stderr, "not a Kith archive") {
		t.Errorf("import --check of another file: exit %d, %s", r.code, r.stderr)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestExportMarkdown: a community as Markdown files: a README, each
// thread with its replies and each note, with front matter; hostile
// titles make safe file names inside the directory.
func TestExportMarkdown(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Readable", "--charter", "We write things down.")
	post := a.createdID(t, "post", "new", community, "--question", "--title", "../../etc/passwd <script>", "--body", "Is this safe?")
	reply := a.createdID(t, "post", "reply", post, "--body", "Yes: names are slugs.")
	a.mustRun(t, "post", "accept", reply)
	a.createdID(t, "note", "new", community, "--title", "How we \"quote\" things", "--body", "With care.")
	dir := t.TempDir()
	out := a.mustRun(t, "export", community, "--markdown", dir)
	if !strings.Contains(out, "1 thread and 1 note") {
		t.Errorf("export said %q", out)
	}
	var files []string
	must(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	}))
	if len(files) != 3 {
		t.Fatalf("files: %q", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		must(t, err)
		text := string(data)
		switch {
		case f == "README.md":
			if !strings.Contains(text, "# Readable") || !strings.Contains(text, "We write things down.") {
				t.Errorf("README.md:\n%s", text)
			}
		case strings.HasPrefix(f, "threads/"):
			if !strings.Contains(f, "etc-passwd-script-") || strings.Count(f, "/") != 1 ||
				!strings.Contains(text, "# ../../etc/passwd <script>") || !strings.Contains(text, "(accepted answer)") ||
				!strings.Contains(text, "Yes: names are slugs.") || !strings.HasPrefix(text, "---\nid: \"") {
				t.Errorf("%s:\n%s", f, text)
			}
		case strings.HasPrefix(f, "notes/"):
			if !strings.HasPrefix(f, "notes/how-we-quote-things-") || !strings.Contains(text, `title: "How we \"quote\" things"`) ||
				!strings.Contains(text, "With care.") {
				t.Errorf("%s:\n%s", f, text)
			}
		default:
			t.Errorf("unexpected file %s", f)
		}
	}
	if r := a.run(t, "export", community); r.code == 0 || !strings.Contains(r.stderr, "say where") {
		t.Errorf("export without a target: exit %d, %s", r.code, r.stderr)
	}
}
