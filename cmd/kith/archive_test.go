package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
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
	// An archive is not written over a file already there, unless --force.
	if r := a.run(t, "export", community, "-o", file); r.code != 1 || !strings.Contains(r.stderr, "exists: choose another name, or --force") {
		t.Errorf("export over an existing file: exit %d, %q", r.code, r.stderr)
	}
	if r := a.run(t, "export", community, "-o", filepath.Dir(file), "--force"); r.code != 1 || !strings.Contains(r.stderr, "is not a file") {
		t.Errorf("export over a directory: exit %d, %q", r.code, r.stderr)
	}
	if out := a.mustRun(t, "export", community, "-o", file, "--force"); !strings.Contains(out, "digest "+exported) {
		t.Errorf("export --force said %q", out)
	}

	b := startDaemon(t)
	out = b.mustRun(t, "import", file)
	if !strings.Contains(out, "every signature and rule checked") || !strings.Contains(out, "digest "+exported+": the same as the exporter's") {
		t.Errorf("import said %q (exported digest %s)", out, exported)
	}
	if list := b.mustRun(t, "post", "list", community); !strings.Contains(list, "How do we move our knowledge?") {
		t.Errorf("b's threads after the import: %q", list)
	}
	// Importing again changes nothing; --json says so to a script.
	var again importJSON
	must(t, json.Unmarshal([]byte(b.mustRun(t, "import", file, "--json")), &again))
	if again.Imported == nil || again.Imported.Added != 0 || again.Records != again.Imported.Records || again.Digest != exported || again.Imported.Digest != exported {
		t.Errorf("second import --json: %+v (imported %+v), exported digest %s", again, again.Imported, exported)
	}
	var exp exportJSON
	must(t, json.Unmarshal([]byte(a.mustRun(t, "export", community, "-o", file+".2", "--json")), &exp))
	if exp.File != file+".2" || exp.Digest != exported || exp.Records != again.Records || exp.Community.String() != community {
		t.Errorf("export --json: %+v, want digest %s, %d records", exp, exported, again.Records)
	}
	// Where the archive cannot go is said before the daemon writes it,
	// naming the path given.
	nowhere := filepath.Join(t.TempDir(), "missing", "x.archive")
	if r := a.run(t, "export", community, "-o", nowhere); r.code != 1 || !strings.Contains(r.stderr, filepath.Dir(nowhere)+" does not exist") {
		t.Errorf("export into a missing directory: exit %d, %q", r.code, r.stderr)
	}
	if r := a.run(t, "export", community, "-o", file, "--markdown", t.TempDir()); r.code != 1 || !strings.Contains(r.stderr, "not both") {
		t.Errorf("export with both targets: exit %d, %q", r.code, r.stderr)
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
	var checked importJSON
	if r := kith(t, nil, "import", "--check", file, "--json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &checked) != nil ||
		checked.Digest != exported || checked.Imported != nil {
		t.Errorf("import --check --json: exit %d, %s %s", r.code, r.stdout, r.stderr)
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
	if r := kith(t, nil, "import", "--check", t.TempDir()); r.code == 0 || !strings.Contains(r.stderr, "is a directory: give the archive file") {
		t.Errorf("import --check of a directory: exit %d, %s", r.code, r.stderr)
	}
	other := filepath.Join(t.TempDir(), "notes.txt")
	must(t, os.WriteFile(other, []byte("just some notes\n"), 0o600))
	if r := kith(t, nil, "import", "--check", other); r.code == 0 || !strings.Contains(r.stderr, "not a Kith archive") {
		t.Errorf("import --check of another file: exit %d, %s", r.code, r.stderr)
	}
}

// TestExportMarkdownDirectory: a Markdown export writes only into a new
// or empty directory, or one that an earlier export of the same community
// wrote, which it brings up to date (the file of a thread deleted since
// goes); it never overwrites or removes a file it did not write.
func TestExportMarkdownDirectory(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Refreshed")
	other := a.createdID(t, "community", "create", "--name", "Other")
	a.createdID(t, "post", "new", community, "--title", "Kept", "--body", "kept-text")
	gone := a.createdID(t, "post", "new", community, "--title", "Gone later", "--body", "gone-text")
	a.createdID(t, "note", "new", community, "--title", "Kept note", "--body", "noted")
	refused := func(community, dir, want string) {
		t.Helper()
		before := tree(t, dir)
		if r := a.run(t, "export", community, "--markdown", dir); r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("export to %s: exit %d, %q; want %q", dir, r.code, r.stderr, want)
		}
		if after := tree(t, dir); !maps.Equal(before, after) {
			t.Errorf("a refused export changed %s, which now holds %q", dir, slices.Sorted(maps.Keys(after)))
		}
	}

	// Someone's directory: refused, saying what to do, and left as it was.
	mine := t.TempDir()
	must(t, os.WriteFile(filepath.Join(mine, "README.md"), []byte("my own readme\n"), 0o644))
	refused(community, mine, "is not empty and holds no earlier Markdown export (no .kith-export file): name a new or empty directory")

	dir := filepath.Join(t.TempDir(), "export")
	if out := a.mustRun(t, "export", community, "--markdown", dir); !strings.Contains(out, "2 threads and 1 note") {
		t.Errorf("first export said %q", out)
	}
	// The user's files beside the export's, in and out of threads/.
	must(t, os.WriteFile(filepath.Join(dir, "extra.txt"), []byte("mine\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "threads", "my-notes.md"), []byte("mine too\n"), 0o644))
	a.createdID(t, "post", "delete", gone)
	if out := a.mustRun(t, "export", community, "--markdown", dir); !strings.Contains(out, "1 thread and 1 note") {
		t.Errorf("second export said %q", out)
	}
	files := tree(t, dir)
	var names []string
	for name, text := range files {
		names = append(names, name)
		if strings.Contains(text, "gone-text") {
			t.Errorf("%s is the deleted thread's", name)
		}
	}
	if len(files) != 6 || files["extra.txt"] != "mine\n" || files["threads/my-notes.md"] != "mine too\n" ||
		!strings.Contains(strings.Join(names, " "), "-kept-") {
		t.Errorf("after the refresh: %q", names)
	}

	// A file of the user's where a new thread's would go: refused.
	var d api.ThreadDetail
	newer := a.createdID(t, "post", "new", community, "--title", "Newer", "--body", "newer-text")
	must(t, json.Unmarshal([]byte(a.mustRun(t, "post", "show", newer, "--json")), &d))
	must(t, os.WriteFile(filepath.Join(dir, "threads", fileName(time.UnixMilli(d.Created), d.Title, d.ID)), []byte("mine\n"), 0o644))
	refused(community, dir, "was not written by an earlier export, and the export would overwrite it: move it away")

	// Another community's export, or a marker naming a file elsewhere.
	refused(other, dir, "holds a Markdown export of another community")
	outside := filepath.Join(filepath.Dir(dir), "outside.md")
	must(t, os.WriteFile(outside, []byte("outside\n"), 0o644))
	marker, err := os.OpenFile(filepath.Join(dir, exportMarker), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = marker.WriteString("../outside.md\n")
	must(t, errors.Join(err, marker.Close()))
	refused(community, dir, `"../outside.md" is no file a Markdown export writes`)
	if data, err := os.ReadFile(outside); err != nil || string(data) != "outside\n" {
		t.Errorf("the file outside: %q, %v", data, err)
	}
}

// tree returns the files under dir by slash-separated path, with their
// content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	}))
	return files
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestExportMarkdown: a community as Markdown files: a README, each
// thread with its replies and each note, with front matter, and nothing
// deleted or hidden; hostile titles make safe file names inside the
// directory.
func TestExportMarkdown(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Readable", "--charter", "We write things down.")
	post := a.createdID(t, "post", "new", community, "--question", "--title", "../../etc/passwd <script>", "--body", "Is this safe?",
		"--tag", "security", "--tag", "paths")
	attached := filepath.Join(t.TempDir(), "slug rules.txt")
	must(t, os.WriteFile(attached, []byte("lowercase, dashes"), 0o600))
	reply := a.createdID(t, "post", "reply", post, "--body", "Yes: names are slugs.", "--attach", attached)
	a.mustRun(t, "post", "accept", reply)
	a.createdID(t, "note", "new", community, "--title", "How we \"quote\" things", "--body", "With care.", "--tag", "style", "--attach", attached)
	fileHash := decode[[]api.FileEntry](t, a.mustRun(t, "attachment", "list", community, "--json"))[0].Hash.String()
	fileLine := "- slug rules.txt (17 B): `kith attachment get " + fileHash + " -o DIR`"
	// What moderators hid or authors deleted is not shown to members, so
	// it is not exported either.
	gone := a.createdID(t, "post", "new", community, "--title", "Deleted thread", "--body", "deleted-text")
	a.createdID(t, "post", "delete", gone)
	hidden := a.createdID(t, "post", "new", community, "--title", "Hidden thread", "--body", "hidden-text")
	a.createdID(t, "post", "hide", hidden)
	note := a.createdID(t, "note", "new", community, "--title", "Deleted note", "--body", "deleted-note-text")
	a.createdID(t, "post", "delete", note)
	note = a.createdID(t, "note", "new", community, "--title", "Hidden note", "--body", "hidden-note-text")
	a.createdID(t, "post", "hide", note)
	hiddenReply := a.createdID(t, "post", "reply", post, "--body", "hidden-reply-text")
	a.createdID(t, "post", "hide", hiddenReply)
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
	if len(files) != 4 {
		t.Fatalf("files: %q", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		must(t, err)
		text := string(data)
		switch {
		case f == exportMarker:
			if !strings.Contains(text, "community "+community+"\n") || strings.Count(text, ".md\n") != 3 {
				t.Errorf("%s:\n%s", f, text)
			}
		case f == "README.md":
			if !strings.Contains(text, "# Readable") || !strings.Contains(text, "We write things down.") {
				t.Errorf("README.md:\n%s", text)
			}
		case strings.HasPrefix(f, "threads/"):
			if !strings.Contains(f, "etc-passwd-script-") || strings.Count(f, "/") != 1 ||
				!strings.Contains(text, "# ../../etc/passwd <script>") || !strings.Contains(text, "(accepted answer)") ||
				!strings.Contains(text, "Yes: names are slugs.") || !strings.HasPrefix(text, "---\nid: \"") ||
				!strings.Contains(text, "\ntags: [\"security\", \"paths\"]\n") || !strings.Contains(text, fileLine) {
				t.Errorf("%s:\n%s", f, text)
			}
		case strings.HasPrefix(f, "notes/"):
			if !strings.HasPrefix(f, "notes/how-we-quote-things-") || !strings.Contains(text, `title: "How we \"quote\" things"`) ||
				!strings.Contains(text, "\ntags: [\"style\"]\n") ||
				!strings.Contains(text, "With care.") || !strings.Contains(text, fileLine) {
				t.Errorf("%s:\n%s", f, text)
			}
		default:
			t.Errorf("unexpected file %s", f)
		}
		for _, secret := range []string{"deleted-text", "hidden-text", "deleted-note-text", "hidden-note-text", "hidden-reply-text"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q, which members are not shown", f, secret)
			}
		}
	}
	if r := a.run(t, "export", community); r.code == 0 || !strings.Contains(r.stderr, "say where") {
		t.Errorf("export without a target: exit %d, %s", r.code, r.stderr)
	}
}

// TestDigestSame: after an import, the comparison with the exporter's
// digest says which way the node differs. "This node held other records
// of it too, or fewer were valid here" told a member restoring a backup,
// whose node had published a newer profile during the import, that
// records might be missing.
func TestDigestSame(t *testing.T) {
	for _, c := range []struct {
		res  api.ImportResult
		want string
	}{
		{api.ImportResult{Announced: 10, Held: 10, Digest: "d", AnnouncedDigest: "d"}, "the same as the exporter's"},
		{api.ImportResult{Announced: 10, Held: 11, Digest: "e", AnnouncedDigest: "d"}, "holds 1 record more than the archive announced"},
		{api.ImportResult{Announced: 10, Held: 7, Digest: "e", AnnouncedDigest: "d"}, "holds 3 records fewer than the archive announced"},
		{api.ImportResult{Announced: 10, Held: 10, Digest: "e", AnnouncedDigest: "d"}, "as many records, not the same ones"},
	} {
		if got := digestSame(c.res); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.res, got, c.want)
		}
	}
}

// TestImportInterrupted: Ctrl-C during an import ends the command at
// once, saying that the records stored so far stay and how to finish; the
// daemon stops importing; the same command again finishes it, with the
// exporter's digest.
func TestImportInterrupted(t *testing.T) {
	community, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 20000)
	file := filepath.Join(t.TempDir(), "busy.archive")
	must(t, os.WriteFile(file, prototest.Archive(t, community, recs), 0o600))
	// No search index: indexing 20,000 records is no part of this, and its
	// backlog held the daemon's stop past 15 s under -race.
	d := startDaemon(t, "--no-search")
	held := func() int {
		for _, c := range decode[[]api.Community](t, d.mustRun(t, "community", "list", "--json")) {
			if c.ID == community {
				return int(c.Records)
			}
		}
		return 0
	}

	imp := exec.Command(kithBin, "--home", d.home, "import", file)
	imp.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	imp.Stdout, imp.Stderr = &stdout, &stderr
	must(t, imp.Start())
	d.poll(t, time.Minute, func() string { return "the import never stored a record" }, func() bool { return held() > 0 })
	must(t, imp.Process.Signal(os.Interrupt))
	stopped := time.Now()
	imp.Wait()
	if code := imp.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "interrupted: the import stopped, and the daemon keeps the records it stored") ||
		!strings.Contains(stderr.String(), "`kith import "+file+"` again finishes it") {
		t.Fatalf("the interrupted import: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if took := time.Since(stopped); took > 5*time.Second {
		t.Errorf("the import took %v to end after Ctrl-C", took)
	}
	// The daemon stopped too, once through what the connection had
	// buffered: what it holds stops growing short of the archive.
	first, now := -1, held()
	for deadline := time.Now().Add(time.Minute); now != first && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		first, now = now, held()
	}
	if now != first || now >= len(recs) {
		t.Fatalf("after Ctrl-C the daemon holds %d records, then %d, of %d", first, now, len(recs))
	}
	out := d.mustRun(t, "import", file)
	if !strings.Contains(out, fmt.Sprintf("imported %d records (%d new)", len(recs), len(recs)-first)) || !strings.Contains(out, "the same as the exporter's") {
		t.Errorf("the import again, after %d of %d records: %q", first, len(recs), out)
	}
	t.Logf("interrupted after %d of %d records", first, len(recs))
}

// TestMarkdownFileNames: a title names its file in any script, reduced
// to letters, digits and dashes, at most 60 of them; nothing of a path
// survives.
func TestMarkdownFileNames(t *testing.T) {
	id := protocol.ID{0xab, 0xcd}
	day := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for title, want := range map[string]string{
		"Ünïcödé 日本語 🙂":           "2026-11-28-ünïcödé-日本語-abcd00000000.md",
		"日本語のタイトル":                "2026-11-28-日本語のタイトル-abcd00000000.md",
		"../../etc/passwd":        "2026-11-28-etc-passwd-abcd00000000.md",
		"":                        "2026-11-28-untitled-abcd00000000.md",
		strings.Repeat("ab ", 40): "2026-11-28-" + strings.TrimSuffix(strings.Repeat("ab-", 20), "-") + "-abcd00000000.md",
	} {
		if got := fileName(day, title, id); got != want {
			t.Errorf("fileName(%q) = %q, want %q", title, got, want)
		}
		// An export reads back the names it wrote (it refused its own
		// marker once a title was not ASCII).
		for _, dir := range []string{"threads/", "notes/"} {
			if !exportedName.MatchString(dir + want) {
				t.Errorf("the export marker's check refuses %q", dir+want)
			}
		}
	}
	for _, name := range []string{"threads/../x.md", "threads/a/b.md", "threads/.x.md", "../README.md", "other/a.md", "threads/a.md/../../b.md"} {
		if exportedName.MatchString(name) {
			t.Errorf("the export marker's check takes %q", name)
		}
	}
}

// TestJoinInterrupted: Ctrl-C while a join fetches a big history says
// what became of it: the join was handed over (a one-use invite is used
// by it), and the same command again fetches the rest, as it then does.
// It said "the join stopped", with an internal "context canceled".
func TestJoinInterrupted(t *testing.T) {
	founder := prototest.Key("founder")
	community, recs := prototest.BusyCommunity(t, founder, 20000)
	file := filepath.Join(t.TempDir(), "busy.archive")
	must(t, os.WriteFile(file, prototest.Archive(t, community, recs), 0o600))
	aHome := t.TempDir()
	_, err := home.Home{Dir: aHome}.Init(home.InitOptions{Member: founder})
	must(t, err)
	a := startDaemonAt(t, aHome, "--no-search")
	a.mustRun(t, "import", file)
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community.String()))

	b := startDaemon(t, "--no-search")
	join := exec.Command(kithBin, "--home", b.home, "community", "join", code)
	join.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	join.Stdout, join.Stderr = &stdout, &stderr
	must(t, join.Start())
	b.poll(t, time.Minute, func() string { return "the join never stored a record" }, func() bool {
		for _, c := range decode[[]api.Community](t, b.mustRun(t, "community", "list", "--json")) {
			if c.ID == community && c.Records > 0 {
				return true
			}
		}
		return false
	})
	must(t, join.Process.Signal(os.Interrupt))
	join.Wait()
	if code := join.ProcessState.ExitCode(); code != 1 || !(strings.Contains(stderr.String(), "interrupted: the join was handed over") || strings.Contains(stderr.String(), "interrupted: you joined")) ||
		!strings.Contains(stderr.String(), "run the same command again") || strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("the interrupted join: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	// As it says: the same command again finishes it, with the invite
	// (one use) that the first join used.
	if r := b.run(t, "community", "join", code); r.code != 0 {
		t.Fatalf("the join again: exit %d, %q", r.code, r.stderr)
	}
	for _, c := range decode[[]api.Community](t, b.mustRun(t, "community", "list", "--json")) {
		if c.ID == community && (c.Standing != "member" || int(c.Records) < len(recs)) {
			t.Errorf("after the join again: %s with %d records of %d", c.Standing, c.Records, len(recs))
		}
	}
}

// TestExportImportPipe: `export -o -` writes the archive to standard
// output and `import -` reads one from standard input, checked before the
// daemon gets it, as from a file.
func TestExportImportPipe(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Piped")
	a.createdID(t, "post", "new", community, "--title", "Through a pipe", "--body", "export | import")
	r := a.run(t, "export", community, "-o", "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, protocol.ArchiveMagic) {
		t.Fatalf("export -o -: exit %d, %d bytes, stderr %q", r.code, len(r.stdout), r.stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`export -o - wrote a file named "-"`)
	}
	if r := a.run(t, "export", community, "-o", "-", "--json"); r.code != 1 || !strings.Contains(r.stderr, "one or the other") {
		t.Errorf("export -o - --json: exit %d, %q", r.code, r.stderr)
	}
	b := startDaemon(t)
	out := b.runIn(t, r.stdout, "import", "-")
	if out.code != 0 || !strings.Contains(out.stdout, "standard input: 3 records of community "+community) || !strings.Contains(out.stdout, "the same as the exporter's") {
		t.Errorf("import -: exit %d, %q, %q", out.code, out.stdout, out.stderr)
	}
	if list := b.mustRun(t, "post", "list", community); !strings.Contains(list, "Through a pipe") {
		t.Errorf("b's threads after import -: %q", list)
	}
	if bad := b.runIn(t, r.stdout[:len(r.stdout)/2], "import", "-"); bad.code != 1 || !strings.Contains(bad.stderr, "standard input: ") {
		t.Errorf("import - of half an archive: exit %d, %q", bad.code, bad.stderr)
	}
}

// TestExportMarkdownNamesAndIndex: the Markdown export names authors as
// every other view does (it gave a key's digits), and its README lists
// the threads and notes, linked.
func TestExportMarkdownNamesAndIndex(t *testing.T) {
	a := startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Named")
	a.mustRun(t, "profile", "set", "--name", "Ana Export")
	post := a.createdID(t, "post", "new", community, "--title", "Use [brackets]", "--body", "text")
	a.createdID(t, "post", "reply", post, "--body", "an answer")
	a.createdID(t, "note", "new", community, "--title", "Runbook", "--body", "steps")
	dir := filepath.Join(t.TempDir(), "export")
	a.mustRun(t, "export", community, "--markdown", dir)
	files := tree(t, dir)
	var thread, note string
	for name := range files {
		switch {
		case strings.HasPrefix(name, "threads/"):
			thread = name
		case strings.HasPrefix(name, "notes/"):
			note = name
		}
	}
	readme := files["README.md"]
	if !strings.Contains(readme, "## Threads\n\n- [Use \\[brackets\\]](<"+thread+">)\n") || !strings.Contains(readme, "## Notes\n\n- [Runbook](<"+note+">)\n") {
		t.Errorf("README.md has no index of %s and %s:\n%s", thread, note, readme)
	}
	if text := files[thread]; !strings.Contains(text, "## Reply by Ana Export (") || !strings.Contains(text, `author_name: "Ana Export"`) {
		t.Errorf("%s does not name its author:\n%s", thread, text)
	}
	if text := files[note]; !strings.Contains(text, `author_name: "Ana Export"`) {
		t.Errorf("%s does not name its author:\n%s", note, text)
	}
}
