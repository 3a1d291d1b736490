package home

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"
)

// A member key moves to a second device sealed with a passphrase: a PEM
// block "KITH MEMBER KEY" whose bytes are the key's PKCS#8 form encrypted
// with XChaCha20-Poly1305 under a key derived by scrypt, its parameters
// and salt in the block's headers. The node key never moves: each device
// is its own node, vouched for by the member with a device record.

const (
	sealedType = "KITH MEMBER KEY"
	sealedAAD  = "kith/member-key/v1"
	// scrypt cost: about 100 ms here; a stolen file costs an attacker
	// as much per guess.
	scryptN = 1 << 15
	scryptR = 8
	scryptP = 1
	// MinPassphrase is the shortest passphrase Seal accepts.
	MinPassphrase = 8
)

// Limits on what a sealed file may ask for, so that a hostile file cannot
// make opening it take minutes or gigabytes (scrypt uses 128·N·r bytes:
// at most 128 MiB here). Variables so that the fuzz test can lower them.
var (
	// sealN is the N SealMember uses: scryptN, but lower in the
	// fuzz test's seed corpus.
	sealN      = scryptN
	maxScryptN = 1 << 17
	maxScryptR = 8
	maxScryptP = 4
)

// ErrWrongPassphrase is returned by OpenSealed when the passphrase does
// not open the file (or the file was altered).
var ErrWrongPassphrase = errors.New("wrong passphrase, or the file was altered")

// SealMember seals a member key with a passphrase.
func SealMember(member ed25519.PrivateKey, passphrase []byte) ([]byte, error) {
	if len(passphrase) < MinPassphrase {
		return nil, fmt.Errorf("the passphrase must be at least %d characters", MinPassphrase)
	}
	der, err := x509.MarshalPKCS8PrivateKey(member)
	if err != nil {
		return nil, fmt.Errorf("encode member key: %w", err)
	}
	salt := make([]byte, 16)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	aead, err := sealKey(passphrase, salt, sealN, scryptR, scryptP)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{
		Type: sealedType,
		Headers: map[string]string{
			"KDF":   "scrypt",
			"N":     strconv.Itoa(sealN),
			"R":     strconv.Itoa(scryptR),
			"P":     strconv.Itoa(scryptP),
			"Salt":  base64.StdEncoding.EncodeToString(salt),
			"Nonce": base64.StdEncoding.EncodeToString(nonce),
		},
		Bytes: aead.Seal(nil, nonce, der, []byte(sealedAAD)),
	}), nil
}

func sealKey(passphrase, salt []byte, n, r, p int) (interface {
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}, error) {
	key, err := scrypt.Key(passphrase, salt, n, r, p, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	return chacha20poly1305.NewX(key)
}

// OpenSealed opens a sealed member key. Everything in the file is checked
// before the passphrase is tried.
func OpenSealed(data, passphrase []byte) (ed25519.PrivateKey, error) {
	if len(data) > maxKeyFile {
		return nil, errors.New("too large to be a sealed member key")
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != sealedType {
		return nil, fmt.Errorf("not a sealed member key (want a %q PEM block, as `kith identity export` writes)", sealedType)
	}
	h := block.Headers
	if h["KDF"] != "scrypt" {
		return nil, fmt.Errorf("key derivation %q unknown", h["KDF"])
	}
	param := func(name string, limit int) (int, error) {
		v, err := strconv.Atoi(h[name])
		if err != nil || v < 1 || v > limit {
			return 0, fmt.Errorf("scrypt parameter %s %q out of range (1 to %d)", name, h[name], limit)
		}
		return v, nil
	}
	n, err := param("N", maxScryptN)
	if err != nil {
		return nil, err
	}
	if n&(n-1) != 0 || n < 2 {
		return nil, fmt.Errorf("scrypt parameter N %d is not a power of two", n)
	}
	r, err := param("R", maxScryptR)
	if err != nil {
		return nil, err
	}
	p, err := param("P", maxScryptP)
	if err != nil {
		return nil, err
	}
	salt, err := base64.StdEncoding.DecodeString(h["Salt"])
	if err != nil || len(salt) < 16 || len(salt) > 64 {
		return nil, errors.New("salt missing or malformed")
	}
	nonce, err := base64.StdEncoding.DecodeString(h["Nonce"])
	if err != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, errors.New("nonce missing or malformed")
	}
	aead, err := sealKey(passphrase, salt, n, r, p)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, nonce, block.Bytes, []byte(sealedAAD))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("sealed key is not PKCS#8: %w", err)
	}
	k, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sealed key is a %T, want Ed25519", parsed)
	}
	return k, nil
}
