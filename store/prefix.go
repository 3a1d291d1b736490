package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// ErrBadPrefix is a prefix that is not hexadecimal digits, or is longer
// than an id.
var ErrBadPrefix = errors.New("not a prefix of an id: hexadecimal digits, at most 64")

// Prefixed returns, in order, up to limit ids of records shown here, and
// up to limit hashes of files that such records name, that start with
// the hex digits of prefix (an odd count of digits is fine): what lets a
// member type the first characters of an id, as with Git. Records shown
// are accepted and not deleted: anyone can sign records that are set
// aside, and so make digits ambiguous, or stand for a record not here.
func (s *Store) Prefixed(ctx context.Context, prefix string, limit int) (records, files []protocol.ID, err error) {
	head, nibble, err := parsePrefix(prefix)
	if err != nil {
		return nil, nil, err
	}
	match := func(id []byte) bool {
		return nibble < 0 || len(id) > len(head) && id[len(head)]>>4 == byte(nibble)
	}
	communities := s.Communities()
	// After pending refreshes, so that a record just deleted is not found.
	err = s.read(ctx, func(txn *badger.Txn) error {
		// A record whose id is at the end of key k is shown.
		shown := func(k []byte) (bool, error) {
			e, err := getStored(txn, lastID(k))
			return err == nil && e.Meta.Status == protocol.StatusAccepted && !e.Meta.Deleted, err
		}
		records, err = prefixedIDs(ctx, txn, key(tRecord, head), 1, match, shown, limit)
		if err != nil {
			return err
		}
		for _, c := range communities {
			// 'f' community hash pos: the hash follows the community.
			hs, err := prefixedIDs(ctx, txn, key(tFile, c[:], head), 1+idLen, match, shown, limit)
			if err != nil {
				return err
			}
			for _, h := range hs {
				if !slices.Contains(files, h) {
					files = append(files, h)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ids starting with %s: %w", prefix, err)
	}
	slices.SortFunc(files, protocol.ID.Compare)
	return records, files[:min(len(files), limit)], nil
}

// prefixedIDs returns the ids found at offset in the keys under p that
// match and whose key keep takes, up to limit, in order, without repeats.
func prefixedIDs(ctx context.Context, txn *badger.Txn, p []byte, offset int, match func([]byte) bool,
	keep func(k []byte) (bool, error), limit int) ([]protocol.ID, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: false})
	defer it.Close()
	var out []protocol.ID
	for it.Seek(p); it.ValidForPrefix(p) && len(out) < limit; it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := it.Item().Key()
		if len(k) < offset+idLen || !match(k[offset:offset+idLen]) {
			continue
		}
		id := protocol.ID(k[offset : offset+idLen])
		if len(out) > 0 && out[len(out)-1] == id {
			continue
		}
		ok, err := keep(k)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// parsePrefix returns the whole bytes of a hex prefix, and its last digit
// if the count of digits is odd (else -1).
func parsePrefix(prefix string) ([]byte, int, error) {
	if len(prefix) > 2*idLen {
		return nil, 0, fmt.Errorf("%w: %d digits", ErrBadPrefix, len(prefix))
	}
	even := prefix[:len(prefix)&^1]
	head, err := hex.DecodeString(even)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %q", ErrBadPrefix, prefix)
	}
	nibble := -1
	if len(prefix)%2 == 1 {
		b, err := hex.DecodeString("0" + prefix[len(prefix)-1:])
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %q", ErrBadPrefix, prefix)
		}
		nibble = int(b[0])
	}
	return head, nibble, nil
}
