package home

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// pemType is the PEM block type of a PKCS#8 private key.
const pemType = "PRIVATE KEY"

// maxKeyFile bounds how much of a key file is read; a real one is ~120 bytes.
const maxKeyFile = 64 << 10

// Identity is a node's pair of keys.
type Identity struct {
	// Member is the member key: it signs everything the member writes and
	// is the same on every device the member uses.
	Member ed25519.PrivateKey
	// Node is the node key: this machine's libp2p identity, never shared
	// between devices.
	Node ed25519.PrivateKey
}

// MemberKey returns the public member key, the member's identity in
// records.
func (id *Identity) MemberKey() protocol.PublicKey {
	return protocol.PublicKeyOf(id.Member)
}

// NodeKey returns the node key in the form libp2p uses to run a host.
func (id *Identity) NodeKey() (crypto.PrivKey, error) {
	k, err := crypto.UnmarshalEd25519PrivateKey(bytes.Clone(id.Node))
	if err != nil {
		return nil, fmt.Errorf("convert node key: %w", err)
	}
	return k, nil
}

// PeerID returns the libp2p peer ID derived from the node key, the address
// other nodes dial.
func (id *Identity) PeerID() (peer.ID, error) {
	k, err := id.NodeKey()
	if err != nil {
		return "", err
	}
	p, err := peer.IDFromPrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("derive peer id: %w", err)
	}
	return p, nil
}

// encodeKey encodes an Ed25519 private key as a PEM PKCS#8 block.
func encodeKey(k ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// readKey reads an Ed25519 private key from a PEM PKCS#8 file. With
// checkPerm it first refuses a file others can access (except on Windows,
// where Unix permission bits mean nothing). A missing file yields an error
// matching fs.ErrNotExist.
func readKey(path string, checkPerm bool) (ed25519.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); checkPerm && runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o, it must be readable only by you: run `chmod 600 %s`",
			ErrInsecure, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%s is too large to be a key file", path)
	}
	k, err := decodeKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// decodeKey parses the contents of a key file.
// PlainKey reads a key file as the home directory holds it (member.key,
// unsealed): a backup of member.key can be imported as it is.
func PlainKey(data []byte) (ed25519.PrivateKey, error) { return decodeKey(data) }

func decodeKey(data []byte) (ed25519.PrivateKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM file (corrupted?): no PEM block found")
	}
	if block.Type != pemType {
		return nil, fmt.Errorf("PEM block is %q, want %q", block.Type, pemType)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("unexpected data after the PEM block (corrupted?)")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a valid PKCS#8 private key (corrupted?): %w", err)
	}
	k, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("holds a %T, want an Ed25519 private key", parsed)
	}
	return k, nil
}
