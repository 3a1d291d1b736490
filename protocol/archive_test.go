package protocol_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

func writeArchive(t *testing.T, recs []*protocol.Record, announce uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := protocol.NewArchiveWriter(&b, protocol.ArchiveHeader{Community: recs[0].ID(), Records: announce, Digest: "d", Exported: 1})
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

// handWritten is an archive whose header announces a count of its own.
func handWritten(recs []*protocol.Record, announce uint64) []byte {
	b := []byte(protocol.ArchiveMagic + fmt.Sprintf(`{"records":%d}`, announce) + "\n")
	for _, r := range recs {
		e := r.Encode()
		b = append(binary.AppendUvarint(b, uint64(len(e))), e...)
	}
	return append(b, 0)
}

func readAll(data []byte) ([][]byte, error) {
	a, err := protocol.NewArchiveReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		b, err := a.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
}

// TestArchive: records written come back byte for byte; a truncated
// archive, a count that differs from the header's, an oversized record
// and a file that is no archive are each told apart with a clear error.
func TestArchive(t *testing.T) {
	_, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 50)
	data := writeArchive(t, recs, uint64(len(recs)))
	got, err := readAll(data)
	if err != nil || len(got) != len(recs) {
		t.Fatalf("read %d records, %v", len(got), err)
	}
	for i, b := range got {
		if !bytes.Equal(b, recs[i].Encode()) {
			t.Fatalf("record %d differs", i)
		}
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)-300], "cut short"},
		{"no end marker", data[:len(data)-1], "cut short"},
		{"not an archive", []byte("hello\n"), "not a Kith archive"},
		{"empty", nil, "not a Kith archive"},
		{"bad header", []byte(protocol.ArchiveMagic + "{nope\n"), "header"},
		{"fewer than announced", handWritten(recs[:10], 20), "header says 20"},
		{"more than announced", handWritten(recs[:10], 5), "more records than"},
		{"oversized record", append([]byte(protocol.ArchiveMagic+`{"records":1}`+"\n"), 0xff, 0xff, 0xff, 0x7f), "over the"},
	} {
		if _, err := readAll(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

func FuzzArchiveReader(f *testing.F) {
	f.Add([]byte(protocol.ArchiveMagic + `{"records":1}` + "\n\x03abc\x00"))
	f.Add([]byte(protocol.ArchiveMagic + "{}\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := protocol.NewArchiveReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 10_000 {
			b, err := a.Next()
			if err != nil {
				return
			}
			if len(b) > protocol.MaxRecordBytes {
				t.Fatalf("a record of %d bytes", len(b))
			}
		}
	})
}
