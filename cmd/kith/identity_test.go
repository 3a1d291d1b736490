package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestTwoDevices: a member moves their identity to a second device with a
// sealed file; the file refuses a wrong passphrase; both devices write as
// the same member; while the two are apart each edits a note, and once
// they meet again both hold everything and show both heads until an edit
// merges them.
func TestTwoDevices(t *testing.T) {
	laptop := startDaemon(t)
	community := laptop.createdID(t, "community", "create", "--name", "Field notes")
	note := laptop.createdID(t, "note", "new", community, "--title", "Site checklist", "--body", "power\n")

	sealed := filepath.Join(t.TempDir(), "me.key")
	pass := []string{"KITH_PASSPHRASE=a long passphrase"}
	kith(t, pass, "--home", laptop.home, "identity", "export", "-o", sealed).ok(t)
	if r := kith(t, pass, "--home", laptop.home, "identity", "export", "-o", sealed); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("export over an existing file: exit %d, %q", r.code, r.stderr)
	}
	data, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "KITH MEMBER KEY") {
		t.Errorf("sealed file:\n%s", data)
	}
	phoneHome := t.TempDir()
	if r := kith(t, []string{"KITH_PASSPHRASE=not the passphrase"}, "--home", phoneHome, "init", "--import", sealed); r.code == 0 || !strings.Contains(r.stderr, "wrong passphrase") {
		t.Errorf("import with a wrong passphrase: exit %d, %q", r.code, r.stderr)
	}
	kith(t, pass, "--home", phoneHome, "init", "--import", sealed).ok(t)
	phone := startDaemonAt(t, phoneHome)
	if laptop.memberKey(t) != phone.memberKey(t) {
		t.Fatal("the devices have different member keys")
	}
	code := strings.TrimSpace(laptop.mustRun(t, "community", "invite", community))
	phone.createdID(t, "community", "join", code)
	post := phone.createdID(t, "post", "new", community, "--title", "Written on the phone")
	waitThreads(t, laptop, community, "Written on the phone")
	// Same author: the laptop may edit what the phone wrote.
	laptop.createdID(t, "post", "edit", post, "--title", "Written on the phone, edited on the laptop")
	waitThreads(t, phone, community, "Written on the phone, edited on the laptop")

	// Apart: each edits the note while the other is off.
	phone.stop(t)
	laptop.createdID(t, "note", "edit", note, "--body", "power\nwater\n")
	laptop.stop(t)
	phone = startDaemonAt(t, phoneHome)
	phone.createdID(t, "note", "edit", note, "--body", "power\nfuel\n")
	laptop = startDaemonAt(t, laptop.home)
	for _, d := range []*daemon{laptop, phone} {
		waitNote(t, d, note, "both heads", func(n api.NoteDetail) bool { return len(n.Heads) == 2 && n.Revisions == 3 })
	}
	phone.createdID(t, "note", "edit", note, "--body", "power\nwater\nfuel\n")
	for _, d := range []*daemon{laptop, phone} {
		waitNote(t, d, note, "merged", func(n api.NoteDetail) bool { return len(n.Heads) == 1 && n.Heads[0].Body == "power\nwater\nfuel\n" })
	}
}

// TestRestoreMemberKeyBackup: the README says to back up member.key; a
// copy of it, as it is, restores the identity either way: imported into a
// new home (no passphrase: it is not sealed), or put alone into a home
// directory, where the daemon makes the rest (a new node key, the default
// config) and says so. Both refused before.
func TestRestoreMemberKeyBackup(t *testing.T) {
	first := startDaemon(t)
	key := first.memberKey(t)
	backup := filepath.Join(t.TempDir(), "member.key")
	data, err := os.ReadFile(filepath.Join(first.home, "member.key"))
	must(t, err)
	must(t, os.WriteFile(backup, data, 0o600))
	first.stop(t)

	imported := t.TempDir()
	kith(t, nil, "--home", imported, "init", "--import", backup).ok(t)
	if d := startDaemonAt(t, imported); d.memberKey(t) != key {
		t.Error("init --import of a plain member.key: another member key")
	}

	copied := filepath.Join(t.TempDir(), "home")
	must(t, os.Mkdir(copied, 0o700))
	must(t, os.WriteFile(filepath.Join(copied, "member.key"), data, 0o600))
	// Before the daemon runs, the other commands say that it finishes the
	// setup (init said to delete the directory).
	for _, args := range [][]string{{"id"}, {"init"}} {
		r := kith(t, nil, append([]string{"--home", copied}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "run `kith daemon`") || strings.Contains(r.stderr, "delete") {
			t.Errorf("kith %v in a home holding member.key alone: exit %d, %q", args, r.code, r.stderr)
		}
	}
	d := startDaemonAt(t, copied)
	if d.memberKey(t) != key {
		t.Error("a home holding member.key alone: another member key")
	}
	if !strings.Contains(d.logs(), "no node key") {
		t.Errorf("the daemon did not say it made a node key:\n%s", d.logs())
	}
}
