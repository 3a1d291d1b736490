package protocol_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

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
	data := prototest.Archive(t, recs[0].ID(), recs)
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
		{"bytes after the end", append(slices.Clone(data), "more"...), "bytes after its end"},
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
		check := protocol.NewArchiveCheck(a.Header)
		for range 10_000 {
			b, err := a.Next()
			if err != nil {
				return
			}
			if len(b) > protocol.MaxRecordBytes {
				t.Fatalf("a record of %d bytes", len(b))
			}
			if r, err := protocol.Validate(b, prototest.Now); err == nil {
				_ = check.Add(r)
			}
		}
		_ = check.Close()
	})
}

// checkSet reads an archive through ArchiveCheck.
func checkSet(data []byte) error {
	a, err := protocol.NewArchiveReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	check := protocol.NewArchiveCheck(a.Header)
	for {
		b, err := a.Next()
		if errors.Is(err, io.EOF) {
			return check.Close()
		}
		if err != nil {
			return err
		}
		r, err := protocol.Validate(b, prototest.Now)
		if err != nil {
			return err
		}
		if err := check.Add(r); err != nil {
			return err
		}
	}
}

// TestArchiveCheck: an archive in community order, or with its genesis
// first, passes; one with a record twice, out of order, without its
// genesis, with a record of another community, or whose header announces
// another digest, fails saying which.
func TestArchiveCheck(t *testing.T) {
	community, recs := prototest.BusyCommunity(t, prototest.Key("founder"), 30)
	_, others := prototest.BusyCommunity(t, prototest.Key("other founder"), 3)
	// A member whose clock was behind signs a record dated before the
	// genesis: community order puts it first, Kith's exporter after the
	// genesis.
	early := prototest.Sign(t, prototest.Key("founder"), community, time.UnixMilli(recs[0].Header.Created).Add(-time.Hour), protocol.Refs{},
		&protocol.Post{Type: protocol.PostQuestion, Title: "Early", Text: "Clock behind"})
	swapped := slices.Clone(recs)
	swapped[5], swapped[6] = swapped[6], swapped[5]
	genesisLast := append(slices.Clone(recs[1:]), recs[0])
	withDigest := func(data []byte, digest string) []byte {
		a, _ := protocol.NewArchiveReader(bytes.NewReader(data))
		old, _ := json.Marshal(a.Header)
		a.Header.Digest = digest
		fresh, _ := json.Marshal(a.Header)
		return bytes.Replace(data, old, fresh, 1)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string // "" for none
	}{
		{"in order", prototest.Archive(t, community, recs), ""},
		{"genesis first, rest in order", prototest.Archive(t, community, append([]*protocol.Record{recs[0], early}, recs[1:]...)), ""},
		{"in order, genesis second", prototest.Archive(t, community, append([]*protocol.Record{early}, recs...)), ""},
		{"a record twice", prototest.Archive(t, community, append(slices.Clone(recs), recs[29])), "twice"},
		{"genesis twice", prototest.Archive(t, community, append(slices.Clone(recs), recs[0])), "genesis again"},
		{"out of order", prototest.Archive(t, community, swapped), "out of community order"},
		{"genesis out of order", prototest.Archive(t, community, genesisLast), "out of community order"},
		{"no genesis", prototest.Archive(t, community, recs[1:]), "lacks its community's genesis"},
		{"another community's record", prototest.Archive(t, community, append(slices.Clone(recs), others[2])), "not to the archive's " + community.String()},
		{"another digest", withDigest(prototest.Archive(t, community, recs), "00"), "announces 00"},
	} {
		err := checkSet(c.data)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}
