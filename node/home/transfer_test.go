package home

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestSealAndOpen(t *testing.T) {
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	sealed, err := SealMember(member, []byte("correct horse battery"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, member.Seed()) {
		t.Fatal("the sealed file holds the key in the clear")
	}
	got, err := OpenSealed(sealed, []byte("correct horse battery"))
	if err != nil || !got.Equal(member) {
		t.Fatalf("open: %v", err)
	}
	if _, err := OpenSealed(sealed, []byte("wrong horse battery")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := SealMember(member, []byte("short")); err == nil {
		t.Error("a 5-character passphrase was accepted")
	}
	// Altered files: each is refused with a clear error, quickly.
	for name, alter := range map[string]func(string) string{
		"ciphertext":     func(s string) string { i := strings.LastIndex(s, "\n-----END"); return s[:i-2] + "AA" + s[i:] },
		"huge N":         func(s string) string { return strings.Replace(s, "N: 32768", "N: 1073741824", 1) },
		"N not power":    func(s string) string { return strings.Replace(s, "N: 32768", "N: 30000", 1) },
		"unknown KDF":    func(s string) string { return strings.Replace(s, "KDF: scrypt", "KDF: md5", 1) },
		"not sealed":     func(s string) string { return strings.ReplaceAll(s, "KITH MEMBER KEY", "PRIVATE KEY") },
		"garbage":        func(string) string { return "hello" },
		"salt malformed": func(s string) string { return strings.Replace(s, "Salt: ", "Salt: !!", 1) },
	} {
		if _, err := OpenSealed([]byte(alter(string(sealed))), []byte("correct horse battery")); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestInitWithImportedMember(t *testing.T) {
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	first, second := Home{Dir: t.TempDir()}, Home{Dir: t.TempDir()}
	a, err := first.Init(InitOptions{Member: member})
	if err != nil {
		t.Fatal(err)
	}
	b, err := second.Init(InitOptions{Member: member})
	if err != nil {
		t.Fatal(err)
	}
	if a.MemberKey() != b.MemberKey() || a.Node.Equal(b.Node) {
		t.Error("two devices: want one member key and two node keys")
	}
	reopened, err := second.Open()
	if err != nil || !reopened.Member.Equal(member) {
		t.Fatalf("reopen: %v", err)
	}
}

// FuzzOpenSealed: no file makes OpenSealed panic, and none opens with a
// passphrase other than the one it was sealed with.
func FuzzOpenSealed(f *testing.F) {
	maxScryptN = 1 << 10 // keep each try fast
	_, member, _ := ed25519.GenerateKey(rand.Reader)
	old := sealN
	sealN = 1 << 4
	sealed, err := SealMember(member, []byte("fuzzing passphrase"))
	sealN = old
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, []byte("fuzzing passphrase"))
	f.Add([]byte("-----BEGIN KITH MEMBER KEY-----\n\n-----END KITH MEMBER KEY-----\n"), []byte("x"))
	f.Fuzz(func(t *testing.T, data, passphrase []byte) {
		k, err := OpenSealed(data, passphrase)
		if err == nil && len(k) != ed25519.PrivateKeySize {
			t.Fatalf("opened a key of %d bytes", len(k))
		}
	})
}
