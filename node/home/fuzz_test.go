package home

import (
	"crypto/ed25519"
	"reflect"
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

// FuzzParseConfig feeds arbitrary bytes to the config parser: a config it
// accepts passes Check, and writes out and reads back as the same config.
func FuzzParseConfig(f *testing.F) {
	def, err := renderConfig(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte("name = \"Ada\"\nlisten = []\n"))
	f.Add([]byte("nmae = 1"))
	f.Add([]byte("log_level = \"warn\"\nlog_format = \"json\"\nloopback = true\nno_search = true\n"))
	f.Add([]byte("anchor = true\nrelays = [\"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAJ2jbkUSGPWk2Piuf9THa8pBAvu9izS82eSwetxKMpzE\"]\n"))
	f.Add([]byte("log_level = \"loud\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig(data)
		if err != nil {
			return
		}
		if err := cfg.Check(); err != nil {
			t.Fatalf("parsed a config that fails its check: %v", err)
		}
		out, err := renderConfig(cfg)
		if err != nil {
			t.Fatalf("render a parsed config: %v", err)
		}
		again, err := parseConfig(out)
		if err != nil {
			t.Fatalf("a rendered config does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("config changed writing it out and reading it back:\n%+v\n%+v", cfg, again)
		}
	})
}
