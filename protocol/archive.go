package protocol

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// An archive is a community's records in one file, signatures intact, so
// that anyone can verify it offline and any node can import it:
//
//	KITH-ARCHIVE 1\n
//	{"community":"<id>","records":N,"digest":"<digest>","exported":<unix ms>}\n
//	N times: uvarint length, then the record as encoded on the wire
//	uvarint 0 (the end: a truncated archive is told from a complete one)
//
// The header says what the exporter held; the records prove themselves
// (each is validated on reading, as if from the network), and the digest
// of the set imported can be compared with the header's.

// ArchiveMagic is the first line of every archive.
const ArchiveMagic = "KITH-ARCHIVE 1\n"

// maxArchiveHeader bounds the header line.
const maxArchiveHeader = 4096

// ArchiveHeader describes an archive's content.
type ArchiveHeader struct {
	Community ID     `json:"community"`
	Records   uint64 `json:"records"`
	Digest    string `json:"digest"`
	Exported  int64  `json:"exported"`
}

// ArchiveWriter writes an archive.
type ArchiveWriter struct {
	w       *bufio.Writer
	written uint64
	want    uint64
}

// NewArchiveWriter writes the archive's header to w.
func NewArchiveWriter(w io.Writer, h ArchiveHeader) (*ArchiveWriter, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	bw.WriteString(ArchiveMagic)
	bw.Write(head)
	if err := bw.WriteByte('\n'); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	return &ArchiveWriter{w: bw, want: h.Records}, nil
}

// Write adds one record.
func (a *ArchiveWriter) Write(r *Record) error {
	b := r.Encode()
	a.w.Write(binary.AppendUvarint(nil, uint64(len(b))))
	if _, err := a.w.Write(b); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	a.written++
	return nil
}

// Close ends the archive; it fails if fewer or more records were written
// than the header announced.
func (a *ArchiveWriter) Close() error {
	if a.written != a.want {
		return fmt.Errorf("write archive: %d records written, the header says %d", a.written, a.want)
	}
	a.w.WriteByte(0)
	if err := a.w.Flush(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

// ArchiveReader reads an archive's records, as bytes still to validate.
type ArchiveReader struct {
	Header ArchiveHeader
	r      *bufio.Reader
	read   uint64
	done   bool
}

// ErrNotArchive is returned for a file that is not a Kith archive.
var ErrNotArchive = errors.New("not a Kith archive")

// NewArchiveReader reads an archive's header.
func NewArchiveReader(r io.Reader) (*ArchiveReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic := make([]byte, len(ArchiveMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != ArchiveMagic {
		return nil, fmt.Errorf("%w: it does not start with %q", ErrNotArchive, ArchiveMagic[:len(ArchiveMagic)-1])
	}
	line, err := br.ReadSlice('\n')
	if err != nil || len(line) > maxArchiveHeader {
		return nil, fmt.Errorf("%w: its header line is missing or too long", ErrNotArchive)
	}
	a := &ArchiveReader{r: br}
	if err := json.Unmarshal(line, &a.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrNotArchive, err)
	}
	return a, nil
}

// Next returns the next record's bytes, and io.EOF after the last one.
// A truncated archive, a record over MaxRecordBytes, or a count different
// from the header's is an error that says so.
func (a *ArchiveReader) Next() ([]byte, error) {
	if a.done {
		return nil, io.EOF
	}
	n, err := binary.ReadUvarint(a.r)
	if err != nil {
		return nil, fmt.Errorf("archive cut short after %d records: %w", a.read, io.ErrUnexpectedEOF)
	}
	if n == 0 {
		a.done = true
		if a.read != a.Header.Records {
			return nil, fmt.Errorf("archive holds %d records, its header says %d", a.read, a.Header.Records)
		}
		if _, err := a.r.ReadByte(); err != io.EOF {
			return nil, errors.New("archive has bytes after its end: it was not written whole by one export")
		}
		return nil, io.EOF
	}
	if n > MaxRecordBytes {
		return nil, fmt.Errorf("archive record %d claims %d bytes: over the %d a record may have", a.read+1, n, MaxRecordBytes)
	}
	if a.read >= a.Header.Records {
		return nil, fmt.Errorf("archive holds more records than the %d its header says", a.Header.Records)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(a.r, b); err != nil {
		return nil, fmt.Errorf("archive cut short in record %d: %w", a.read+1, io.ErrUnexpectedEOF)
	}
	a.read++
	return b, nil
}

// Read is how many records Next has returned.
func (a *ArchiveReader) Read() uint64 { return a.read }

// ArchiveCheck checks an archive's records as a set against its header,
// one validated record at a time: each belongs to the header's community,
// none comes twice, they come in community order (the genesis may come
// first, as Kith writes it, so that a node new to the community knows it
// before the rest), and at the end the genesis was there and the ids'
// digest is the one the header announces. A record can be valid alone
// and the archive still not be what its exporter wrote.
type ArchiveCheck struct {
	header  ArchiveHeader
	acc     Accumulator
	last    Position
	n       uint64
	genesis bool
}

// NewArchiveCheck starts checking the records of an archive with header h.
func NewArchiveCheck(h ArchiveHeader) *ArchiveCheck { return &ArchiveCheck{header: h} }

// Add checks the archive's next record, r, already validated.
func (c *ArchiveCheck) Add(r *Record) error {
	c.n++
	if r.Community() != c.header.Community { // a genesis's community is itself
		return fmt.Errorf("record %d (%s) belongs to community %s, not to the archive's %s", c.n, r.ID(), r.Community(), c.header.Community)
	}
	isGenesis := r.ID() == c.header.Community
	switch pos := PositionOf(r); {
	case isGenesis && c.genesis:
		return fmt.Errorf("record %d (%s) is the community's genesis again", c.n, r.ID())
	case isGenesis && c.n == 1:
		// First, ahead of the order: the next record is not compared
		// with it.
	case c.n > 1 && pos.Compare(c.last) == 0:
		return fmt.Errorf("record %d (%s) is in the archive twice", c.n, r.ID())
	case c.n > 1 && pos.Compare(c.last) < 0:
		return fmt.Errorf("record %d (%s) is out of community order: an archive lists its records by time", c.n, r.ID())
	default:
		c.last = pos
	}
	c.genesis = c.genesis || isGenesis
	c.acc.Add(r.ID())
	return nil
}

// Close checks the archive as a whole, once every record was added.
func (c *ArchiveCheck) Close() error {
	if !c.genesis {
		return fmt.Errorf("the archive lacks its community's genesis record %s: no node could place its records", c.header.Community)
	}
	if d := c.acc.Fingerprint().String(); d != c.header.Digest {
		return fmt.Errorf("the archive's records have digest %s, its header announces %s: it is not what its exporter wrote", d, c.header.Digest)
	}
	return nil
}
