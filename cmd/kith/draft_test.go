package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/home"
)

// TestDraftSavedOnFailure: a text read from standard input that the
// daemon refuses is saved whole in the home's drafts directory, and the
// error says where; a text that is taken, or a command refused before it
// reads its input, leaves no draft.
func TestDraftSavedOnFailure(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Drafts")
	drafts := filepath.Join(d.home, "drafts")

	if r := d.runIn(t, "Turn it **weekly**.", "post", "new", community, "--title", "Compost", "--body", "-"); r.code != 0 {
		t.Fatalf("post from standard input: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(drafts); !os.IsNotExist(err) {
		t.Errorf("a post that was taken left a drafts directory: %v", err)
	}
	// Refused before standard input is read: nothing was typed yet.
	r := d.runIn(t, "unread", "post", "new", community, "--title", "Both", "--question", "--announcement", "--body", "-")
	if r.code == 0 || !strings.Contains(r.stderr, "not both") || strings.Contains(r.stderr, "saved") {
		t.Errorf("conflicting flags: exit %d, %q", r.code, r.stderr)
	}

	long := strings.Repeat("Mix greens and browns, and keep it damp. ", 2000) // 82 KB: over the 64 KiB a body may be
	r = d.runIn(t, long, "post", "new", community, "--title", "Too long", "--body", "-")
	_, path, found := strings.Cut(r.stderr, "your text is saved in ")
	if r.code == 0 || !found {
		t.Fatalf("a body too long: exit %d, stderr %q; want a refusal that says where the text is", r.code, r.stderr)
	}
	// Refused here, before the daemon is asked, with the limit.
	if !strings.HasPrefix(r.stderr, "kith: the text is 82000 bytes: a record's text, title and tags take at most 65536\n") {
		t.Errorf("the refusal of a text too long says %q", r.stderr)
	}
	path = strings.TrimSpace(path)
	if filepath.Dir(path) != drafts {
		t.Errorf("draft saved in %s, want %s", path, drafts)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != long {
		t.Errorf("draft holds %d bytes (%v), want the %d typed", len(got), err, len(long))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("draft mode: %v %v", fi.Mode(), err)
	}

	// A text under the limit that its title pushes over it is refused by
	// the daemon, with the reason as the member can act on it (no signing
	// or validation layers' prefixes), and kept too.
	r = d.runIn(t, strings.Repeat("x", 65500), "post", "new", community, "--title", strings.Repeat("t", 150), "--body", "-")
	if r.code == 0 || !strings.HasPrefix(r.stderr, "kith: bad request: too long: body is ") ||
		!strings.Contains(r.stderr, "the limit is 65536 (the text, title and tags together, encoded)\n") ||
		!strings.Contains(r.stderr, "your text is saved in ") {
		t.Errorf("a record too long with its title: exit %d, %q", r.code, r.stderr)
	}

	// Standard input past any text's size is not read to its end; what
	// was read is kept.
	r = d.runIn(t, strings.Repeat("y", 64<<20+10), "post", "new", community, "--title", "Flood", "--body", "-")
	_, path, found = strings.Cut(r.stderr, "your text is saved in ")
	if r.code == 0 || !strings.HasPrefix(r.stderr, "kith: standard input is over 64 MiB") || !found {
		t.Fatalf("64 MiB of input: exit %d, %q", r.code, r.stderr)
	}
	if fi, err := os.Stat(strings.TrimSpace(path)); err != nil || fi.Size() != 64<<20+1 {
		t.Errorf("the draft of 64 MiB of input: %v %v", fi.Size(), err)
	}

	// A reply refused (no such thread) keeps its text too.
	r = d.runIn(t, "An answer.", "post", "reply", strings.Repeat("0", 64), "--body", "-")
	if r.code == 0 || !strings.Contains(r.stderr, "your text is saved in ") {
		t.Errorf("a refused reply: exit %d, %q", r.code, r.stderr)
	}
}

// TestTextNotUTF8: text that is not UTF-8 (a Latin-1 file) is refused,
// naming the field, and kept as a draft, byte for byte; JSON encoding
// replaced each bad byte with U+FFFD and the daemon signed and published
// the damage. The API refuses a request body that is not UTF-8 too.
func TestTextNotUTF8(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Latin")
	latin1 := "Caf\xe9 na\xefve r\xe9sum\xe9\n"
	r := d.runIn(t, latin1, "post", "new", community, "--title", "From a Latin-1 file", "--body", "-")
	_, path, found := strings.Cut(r.stderr, "your text is saved in ")
	if r.code == 0 || !strings.Contains(r.stderr, "the body field is not UTF-8 text (byte 0xe9 at offset 3)") || !found {
		t.Fatalf("a Latin-1 body: exit %d, %q", r.code, r.stderr)
	}
	if got, err := os.ReadFile(strings.TrimSpace(path)); err != nil || string(got) != latin1 {
		t.Errorf("the draft: %q %v, want the bytes typed", got, err)
	}
	if r := d.run(t, "post", "new", community, "--title", "Caf\xe9"); r.code == 0 || !strings.Contains(r.stderr, "the title field is not UTF-8 text") {
		t.Errorf("a Latin-1 title: exit %d, %q", r.code, r.stderr)
	}

	addr, err := os.ReadFile(filepath.Join(d.home, home.APIAddrFile))
	must(t, err)
	token, err := os.ReadFile(filepath.Join(d.home, home.APITokenFile))
	must(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+strings.TrimSpace(string(addr))+"/api/communities/"+community+"/posts",
		strings.NewReader(`{"title":"Raw","body":"Caf`+"\xe9"+`"}`))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "request body is not UTF-8 (byte 0xe9 at offset 26)") {
		t.Errorf("a raw request not UTF-8: %s %s", resp.Status, body)
	}
	if out := d.mustRun(t, "post", "list", community, "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("posts after the refusals: %s", out)
	}
}
