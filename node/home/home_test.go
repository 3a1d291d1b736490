package home

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

var allFiles = []string{MemberKeyFile, NodeKeyFile, ConfigFile}

// newHome returns a Home in a directory that does not exist yet.
func newHome(t *testing.T) Home {
	t.Helper()
	return Home{Dir: filepath.Join(t.TempDir(), "kith")}
}

func mustInit(t *testing.T, h Home) *Identity {
	t.Helper()
	id, err := h.Init(InitOptions{Name: "Ada"})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return id
}

// snapshot returns the contents of every file in h.Dir.
func snapshot(t *testing.T, h Home) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(h.Dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(h.Dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

func skipPermsOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
}

func TestInitPermissions(t *testing.T) {
	skipPermsOnWindows(t)
	h := newHome(t)
	mustInit(t, h)
	assertMode(t, h.Dir, 0o700)
	for _, name := range allFiles {
		assertMode(t, filepath.Join(h.Dir, name), 0o600)
	}
}

func TestInitTightensExistingDir(t *testing.T) {
	skipPermsOnWindows(t)
	h := newHome(t)
	if err := os.Mkdir(h.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(h.Dir, 0o755); err != nil { // defeat the umask
		t.Fatal(err)
	}
	mustInit(t, h)
	assertMode(t, h.Dir, 0o700)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func TestInitTwiceKeepsFirstIdentity(t *testing.T) {
	h := newHome(t)
	first := mustInit(t, h)
	before := snapshot(t, h)
	if len(before) != len(allFiles) {
		t.Fatalf("after Init the directory holds %v, want %v", before, allFiles)
	}

	_, err := h.Init(InitOptions{Name: "Someone else"})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second Init: got %v, want ErrExists", err)
	}
	for _, want := range []string{h.Dir, first.MemberKey().String()[:16]} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after := snapshot(t, h)
	if len(after) != len(before) {
		t.Errorf("files changed: before %d, after %d", len(before), len(after))
	}
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed", name)
		}
	}
	got, err := h.Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !got.Member.Equal(first.Member) || !got.Node.Equal(first.Node) {
		t.Error("Open returned keys other than the first Init's")
	}
}

func TestInitRefusesInterruptedHome(t *testing.T) {
	h := newHome(t)
	if err := os.Mkdir(h.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(h.Dir, NodeKeyFile)
	if err := os.WriteFile(stray, []byte("half a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := h.Init(InitOptions{})
	if err == nil || !strings.Contains(err.Error(), NodeKeyFile) {
		t.Fatalf("Init over a stray node key: got %v, want an error naming %s", err, NodeKeyFile)
	}
	if files := snapshot(t, h); len(files) != 1 || files[NodeKeyFile] != "half a key" {
		t.Errorf("Init changed the directory: %v", files)
	}
}

func TestInitConcurrent(t *testing.T) {
	h := newHome(t)
	const n = 8
	ids := make([]*Identity, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], errs[i] = h.Init(InitOptions{}) })
	}
	wg.Wait()
	var winner *Identity
	for i, err := range errs {
		switch {
		case err == nil && winner == nil:
			winner = ids[i]
		case err == nil:
			t.Error("more than one concurrent Init succeeded")
		}
	}
	if winner == nil {
		t.Fatal("no concurrent Init succeeded")
	}
	got, err := h.Open()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Member.Equal(winner.Member) || !got.Node.Equal(winner.Node) {
		t.Error("the stored identity is not the one the successful Init returned")
	}
}

func TestInitRejectsBadName(t *testing.T) {
	for _, name := range []string{"bad\nname", "\u202eevil", "\xff", strings.Repeat("x", 101)} {
		h := newHome(t)
		if _, err := h.Init(InitOptions{Name: name}); err == nil {
			t.Errorf("Init accepted the name %q", name)
		}
		if _, err := os.Stat(h.Dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Init with the name %q created the directory", name)
		}
	}
}

func TestOpenReturnsInitKeys(t *testing.T) {
	h := newHome(t)
	want := mustInit(t, h)
	got, err := h.Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !got.Member.Equal(want.Member) || !got.Node.Equal(want.Node) {
		t.Fatal("Open returned different keys")
	}
	if got.Member.Equal(got.Node) {
		t.Error("member key and node key are the same")
	}
	if got.MemberKey() != want.MemberKey() {
		t.Error("member keys differ")
	}
	pid, err := got.PeerID()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.UnmarshalEd25519PublicKey(want.Node.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	wantPID, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if pid != wantPID {
		t.Errorf("PeerID = %s, want %s", pid, wantPID)
	}
}

func TestOpenWithoutIdentity(t *testing.T) {
	h := newHome(t)
	_, err := h.Open()
	if !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("got %v, want ErrNoIdentity", err)
	}
	for _, want := range []string{h.Dir, "run `kith init`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenRefusesLoosePermissions(t *testing.T) {
	skipPermsOnWindows(t)
	for _, name := range []string{MemberKeyFile, NodeKeyFile} {
		h := newHome(t)
		mustInit(t, h)
		path := filepath.Join(h.Dir, name)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := h.Open()
		if !errors.Is(err, ErrInsecure) {
			t.Fatalf("%s 0644: got %v, want ErrInsecure", name, err)
		}
		if want := "chmod 600 " + path; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOpenRejectsBadKeyFiles(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	tests := []struct{ name, data, want string }{
		{"empty", "", "no PEM block"},
		{"garbage", "hello world\n", "no PEM block"},
		{"truncated", "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n", "no PEM block"},
		{"wrong type", pemOf("RSA PRIVATE KEY", []byte{1, 2, 3}), `"RSA PRIVATE KEY"`},
		{"bad DER", pemOf("PRIVATE KEY", []byte{1, 2, 3}), "not a valid PKCS#8"},
		{"not Ed25519", pemOf("PRIVATE KEY", ecDER), "want an Ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t)
			mustInit(t, h)
			path := filepath.Join(h.Dir, MemberKeyFile)
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := h.Open()
			if err == nil {
				t.Fatal("Open accepted a bad key file")
			}
			for _, want := range []string{"member key", path, tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestTrailingDataAfterKey(t *testing.T) {
	h := newHome(t)
	mustInit(t, h)
	path := filepath.Join(h.Dir, NodeKeyFile)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("junk\n")
	f.Close()
	if _, err := h.Open(); err == nil || !strings.Contains(err.Error(), "after the PEM block") {
		t.Errorf("got %v, want an error about data after the PEM block", err)
	}
}

// TestRepairNodeKey: a home holding only a member key (a restored backup)
// opens as ErrNoNodeKey, and RepairNodeKey makes it whole: the same
// member key, a new node key, a default config; a node key there is
// never replaced.
func TestRepairNodeKey(t *testing.T) {
	h := newHome(t)
	id := mustInit(t, h)
	for _, f := range []string{NodeKeyFile, ConfigFile} {
		if err := os.Remove(filepath.Join(h.Dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Open(); !errors.Is(err, ErrNoNodeKey) {
		t.Fatalf("Open with a member key alone: %v, want ErrNoNodeKey", err)
	}
	got, err := h.RepairNodeKey()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Member.Equal(id.Member) || got.Node.Equal(id.Node) {
		t.Error("RepairNodeKey: want the same member key and a new node key")
	}
	if _, err := h.LoadConfig(); err != nil {
		t.Fatalf("no config after the repair: %v", err)
	}
	again, err := h.RepairNodeKey()
	if err != nil || !again.Node.Equal(got.Node) {
		t.Fatalf("a second repair replaced the node key (%v)", err)
	}
}
