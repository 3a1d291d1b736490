package store

import (
	"encoding/binary"
	"log/slog"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/fxamacker/cbor/v2"

	"github.com/kith-network/kith/protocol"
)

// designWrite measures the least a store could write and compute for the
// ingest goal, to show how far any redesign of the store could go: the
// records of the batches of 1,000 that Ingest takes, each under one Badger
// key (its home, as the store writes it), every index kept in memory and
// persisted as one delta entry per transaction (107 bytes a record: id,
// created, author, kind, status, object), membership resolved when a
// batch brings control records, and thread views (reply count, last
// activity) kept in memory through the burst and written once at its end
// with their two list entries. It does nothing else the store does: no
// tags, files, waiting records, aside bounds, notes, events, edits,
// reactions or duplicates' outcomes. It returns how long that took.
//
// With views written at the end of each batch instead (what a store must
// do if a view is to be current when Ingest returns), the same path ran at
// half the rate: every batch rewrites most of the threads it touches.
func designWrite(b *testing.B, records []*protocol.Record) time.Duration {
	db, err := badger.Open(leanOptions(b.TempDir(), slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	community := records[0].ID()
	start := time.Now()
	ids := make(map[protocol.ID]int)
	views := make(map[protocol.ID]*ThreadView)
	var controls []*protocol.Record
	members := protocol.ResolveMembership(community, nil)
	w := newWriter(db)
	defer w.discard()
	for rest := records; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
		batch := rest[:min(len(rest), 1000)]
		n := len(controls)
		for _, r := range batch {
			if r.Header.Kind.Control() {
				controls = append(controls, r)
			}
		}
		if len(controls) > n {
			members = protocol.ResolveMembership(community, controls)
		}
		// Transactions of 500 records: each holds its records' homes and
		// the delta that indexes them, so a crash keeps both or neither.
		for group := batch; len(group) > 0; group = group[min(len(group), 500):] {
			var entries []entry
			var delta []byte
			for _, r := range group[:min(len(group), 500)] {
				id := r.ID()
				if _, dup := ids[id]; dup {
					continue
				}
				ids[id] = len(ids)
				st := members.Status(r)
				obj, _ := protocol.ObjectOf(r, func(protocol.ID) *protocol.Record { return nil })
				m := Meta{Status: st, Object: obj}
				entries = append(entries, entry{key: homeKey(r, m), value: encodeHome(m, r)})
				delta = append(delta, id[:]...)
				delta = binary.BigEndian.AppendUint64(delta, uint64(r.Header.Created))
				delta = append(delta, r.Header.Author[:]...)
				delta = append(delta, byte(r.Header.Kind), byte(st), byte(obj.Type))
				delta = append(delta, obj.ID[:]...)
				if obj.Type != protocol.ObjectThread || st != protocol.StatusAccepted {
					continue
				}
				switch r.Header.Kind {
				case protocol.KindPost:
					if p, ok := r.Content().(*protocol.Post); ok {
						views[id] = &ThreadView{Post: id, Current: id, Author: r.Header.Author, Type: p.Type, Title: p.Title,
							Tags: p.Tags, Created: r.Header.Created, LastActivity: r.Header.Created, Tracked: true}
					}
				case protocol.KindReply:
					if v := views[obj.ID]; v != nil {
						v.Replies++
						v.LastActivity = max(v.LastActivity, r.Header.Created)
					}
				}
			}
			entries = append(entries, entry{key: key('x', binary.BigEndian.AppendUint64(nil, uint64(len(ids)))), value: delta})
			if err := w.group(entries); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, v := range views {
		data, err := cbor.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		entries := []entry{{key: objectKey(tView, community, protocol.Object{Type: protocol.ObjectThread, ID: v.Post}), value: data}}
		for _, k := range threadKeys(community, v) {
			entries = append(entries, entry{key: k, value: threadSummary(v)})
		}
		if err := w.group(entries); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.wait(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
