package home

import (
	"crypto/ed25519"
	"testing"
)

// FuzzDecodeKey feeds arbitrary bytes to the key file decoder: a damaged
// or hostile key file must give an error, never a panic or a wrong key.
func FuzzDecodeKey(f *testing.F) {
	good, err := encodeKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := decodeKey(data)
		if err != nil {
			return
		}
		if len(k) != ed25519.PrivateKeySize {
			t.Fatalf("decoded a %d-byte key", len(k))
		}
		// A decoded key must be self-consistent: its public half is the
		// one its seed derives.
		if !ed25519.NewKeyFromSeed(k.Seed()).Equal(k) {
			t.Fatal("decoded key's public half does not match its seed")
		}
	})
}

// FuzzParseConfig feeds arbitrary bytes to the config parser.
func FuzzParseConfig(f *testing.F) {
	def, err := renderConfig(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte("name = \"Ada\"\nlisten = []\n"))
	f.Add([]byte("nmae = 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig(data)
		if err != nil {
			return
		}
		if err := checkName(cfg.Name); err != nil {
			t.Fatalf("parsed a config with a bad name: %v", err)
		}
	})
}
