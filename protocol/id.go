package protocol

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
)

// ID names a record: the SHA-256 of its canonically encoded header. A
// community's ID is the ID of its genesis record.
type ID [32]byte

// IsZero reports whether id is the zero ID, which stands for "no reference".
func (id ID) IsZero() bool { return id == ID{} }

// String returns the lowercase hex form used everywhere a person sees an ID.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Compare orders IDs bytewise: -1, 0 or +1.
func (id ID) Compare(other ID) int {
	for i := range id {
		if id[i] != other[i] {
			if id[i] < other[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// MarshalText encodes id as lowercase hex, so IDs read well in JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses the hex form written by MarshalText.
func (id *ID) UnmarshalText(text []byte) error {
	parsed, err := ParseID(string(text))
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}

// ParseID parses the 64-character hex form of an ID.
func ParseID(s string) (ID, error) {
	var id ID
	if err := decodeHex32(s, id[:]); err != nil {
		return ID{}, fmt.Errorf("parse record id: %w", err)
	}
	return id, nil
}

// PublicKey is a member's Ed25519 public key: the identity of an author,
// the same on every device the member uses.
type PublicKey [ed25519.PublicKeySize]byte

// PublicKeyOf returns the member key of an Ed25519 private key.
func PublicKeyOf(priv ed25519.PrivateKey) PublicKey {
	var k PublicKey
	copy(k[:], priv.Public().(ed25519.PublicKey))
	return k
}

// IsZero reports whether k is unset.
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// String returns the lowercase hex form of the key.
func (k PublicKey) String() string { return hex.EncodeToString(k[:]) }

// Compare orders keys bytewise: -1, 0 or +1.
func (k PublicKey) Compare(other PublicKey) int { return ID(k).Compare(ID(other)) }

// MarshalText encodes k as lowercase hex.
func (k PublicKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses the hex form written by MarshalText.
func (k *PublicKey) UnmarshalText(text []byte) error {
	parsed, err := ParsePublicKey(string(text))
	if err != nil {
		return err
	}
	*k = parsed
	return nil
}

// ParsePublicKey parses the 64-character hex form of a member key.
func ParsePublicKey(s string) (PublicKey, error) {
	var k PublicKey
	if err := decodeHex32(s, k[:]); err != nil {
		return PublicKey{}, fmt.Errorf("parse member key: %w", err)
	}
	return k, nil
}

func decodeHex32(s string, dst []byte) error {
	if len(s) != 64 {
		return fmt.Errorf("want 64 hex characters, got %d", len(s))
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return fmt.Errorf("not hex: %w", err)
	}
	return nil
}
