package store

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Activity is how many records a community's authors and kinds wrote in
// each of a run of equal periods (buckets), oldest first: what the UI's
// activity and participation charts are drawn from.
type Activity struct {
	Since  int64 // unix ms: the start of the first bucket
	Bucket int64 // ms in a bucket
	// Kinds counts records per kind and bucket.
	Kinds map[protocol.Kind][]int
	// Authors counts records per author and bucket.
	Authors map[protocol.PublicKey][]int
	// Threads counts the threads shown (not deleted or hidden) by the
	// bucket their post was written in: Kinds counts posts' edits and
	// deleted posts too.
	Threads []int
}

// Activity counts the records of a community created in buckets periods
// of bucket ms from since on (records of every status: counts, not
// content). It reads index keys only, not records.
func (s *Store) Activity(ctx context.Context, community protocol.ID, since, bucket int64, buckets int) (Activity, error) {
	if bucket <= 0 || buckets <= 0 || buckets > 10_000 {
		return Activity{}, fmt.Errorf("activity: bad buckets (%d of %d ms)", buckets, bucket)
	}
	a := Activity{Since: since, Bucket: bucket, Kinds: make(map[protocol.Kind][]int), Authors: make(map[protocol.PublicKey][]int)}
	slot := func(created int64) int {
		if created < since {
			return -1
		}
		i := (created - since) / bucket
		if i >= int64(buckets) {
			return -1
		}
		return int(i)
	}
	err := s.read(ctx, func(txn *badger.Txn) error {
		// Records by kind: one seek per kind to the first bucket.
		for _, k := range protocol.Kinds() {
			prefix := key(tKind, community[:], []byte{byte(k)})
			counts, err := countFrom(ctx, txn, prefix, since, slot, buckets)
			if err != nil {
				return err
			}
			if counts != nil {
				a.Kinds[k] = counts
			}
		}
		// Threads shown: their view's index, newest first.
		a.Threads = make([]int, buckets)
		tprefix := key(tThreads, community[:])
		tit := txn.NewIterator(badger.IteratorOptions{Prefix: tprefix})
		defer tit.Close()
		for tit.Seek(tprefix); tit.ValidForPrefix(tprefix); tit.Next() {
			k := tit.Item().Key()
			if len(k) != len(tprefix)+8+idLen {
				continue
			}
			created := decodeDesc(k[len(tprefix):])
			if created < since {
				break // older ones follow
			}
			if i := slot(created); i >= 0 {
				a.Threads[i]++
			}
		}
		// Records by author: one pass over the author index.
		prefix := key(tAuthor, community[:])
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		n := 0
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			k := it.Item().Key()
			if len(k) != len(prefix)+len(protocol.PublicKey{})+posLen {
				continue
			}
			i := slot(decodePos(k).Created)
			if i < 0 {
				continue
			}
			var author protocol.PublicKey
			copy(author[:], k[len(prefix):])
			c := a.Authors[author]
			if c == nil {
				c = make([]int, buckets)
				a.Authors[author] = c
			}
			c[i]++
		}
		return nil
	})
	if err != nil {
		return Activity{}, fmt.Errorf("activity of %s: %w", community, err)
	}
	return a, nil
}

// countFrom counts the keys under prefix whose position is in a bucket,
// starting at since; nil when there are none.
func countFrom(ctx context.Context, txn *badger.Txn, prefix []byte, since int64, slot func(int64) int, buckets int) ([]int, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var counts []int
	n := 0
	for it.Seek(append(append([]byte{}, prefix...), encodeTime(since)...)); it.ValidForPrefix(prefix); it.Next() {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		k := it.Item().Key()
		if len(k) != len(prefix)+posLen {
			continue
		}
		i := slot(decodePos(k).Created)
		if i < 0 {
			break // past the last bucket: keys are in time order
		}
		if counts == nil {
			counts = make([]int, buckets)
		}
		counts[i]++
	}
	return counts, nil
}
