package prototest

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
)

// Archive writes recs as an archive of community whose header announces
// their count and digest, as Kith's exporter does; tests pass records
// missing, repeated or reordered to make archives it never would.
func Archive(t testing.TB, community protocol.ID, recs []*protocol.Record) []byte {
	t.Helper()
	var acc protocol.Accumulator
	for _, r := range recs {
		acc.Add(r.ID())
	}
	var b bytes.Buffer
	w, err := protocol.NewArchiveWriter(&b, protocol.ArchiveHeader{Community: community, Records: uint64(len(recs)),
		Digest: acc.Fingerprint().String(), Exported: Now.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ArchiveRecords reads an archive's header and records, each validated.
func ArchiveRecords(t testing.TB, data []byte) (protocol.ArchiveHeader, []*protocol.Record) {
	t.Helper()
	ar, err := protocol.NewArchiveReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var recs []*protocol.Record
	for {
		b, err := ar.Next()
		if errors.Is(err, io.EOF) {
			return ar.Header, recs
		}
		if err != nil {
			t.Fatal(err)
		}
		r, err := protocol.Validate(b, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
}
