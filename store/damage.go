package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/fb"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/proto"
)

// ErrDamaged is returned by Open when a file of the store is damaged
// (truncated by a full disk or a partial copy, or overwritten): the store
// cannot be read until it is moved aside.
var ErrDamaged = errors.New("store is damaged")

// logHeaderSize is the header every value log and memtable log starts
// with (Badger's vlogHeaderSize).
const logHeaderSize = 20

// checkFiles finds the damage Badger would not report as such, before it
// opens dir: a manifest missing beside tables (Badger starts an empty one
// and deletes every table it does not list: the whole store), and damaged
// tables (checkTables). A log file shorter than its header holds no entry:
// a SIGKILL between its creation and its first write leaves one, which
// Badger takes for a new file and fails to open once; it is removed, and
// said in log.
func checkFiles(dir string, log *slog.Logger) error {
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		return fmt.Errorf("list table files: %w", err)
	}
	if len(tables) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: its MANIFEST file is missing, which says where each of its %d table files belongs "+
				"(restore it from a backup, or move the store aside; opening it without would delete them)", ErrDamaged, len(tables))
		}
	}
	var logs []string
	for _, pattern := range []string{"*.mem", "*.vlog"} {
		names, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return fmt.Errorf("list log files: %w", err)
		}
		logs = append(logs, names...)
	}
	for _, name := range logs {
		if fi, err := os.Stat(name); err == nil && fi.Size() < logHeaderSize {
			if err := os.Remove(name); err != nil {
				return fmt.Errorf("remove empty log file: %w", err)
			}
			log.Warn("store: removed a log file with no entry (a crash as it was made, or damage: anything it held is gone)",
				"file", filepath.Base(name), "bytes", fi.Size())
		}
	}
	return checkTables(dir)
}

// checkTables verifies every table file in dir the way Badger would read
// it, and returns ErrDamaged naming the first one that is not whole.
//
// Badger cannot be trusted with a damaged table: it opens tables in
// goroutines of its own, and it parses a block's layout before it checks
// the block's checksum, so a table cut short or a block garbled in its
// last bytes makes it panic where no caller can recover, at open or later
// in a compaction. Tables never change once written, so reading each one
// through here, with every length checked before it is used, finds such
// damage while it can still be an error.
//
// Only the tables the manifest lists are read: a crash while a table was
// being written leaves one the manifest does not list yet (full size,
// zero-filled), which Badger deletes at open.
func checkTables(dir string) error {
	ids, err := manifestTables(dir)
	if err != nil || ids == nil {
		return nil // no manifest, or one Badger reports itself
	}
	var buf tableBuffers
	for _, id := range ids {
		name := filepath.Join(dir, fmt.Sprintf("%06d.sst", id))
		err := buf.checkTable(name)
		var pathErr *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%w: table file %s is missing (removed, or the MANIFEST that lists it is damaged)", ErrDamaged, filepath.Base(name))
		case errors.As(err, &pathErr):
			// Not damage: rights, too many open files. Nothing to move aside.
			return fmt.Errorf("read table file %s: %w", filepath.Base(name), err)
		case err != nil:
			return fmt.Errorf("%w: table file %s %v", ErrDamaged, filepath.Base(name), err)
		}
	}
	return nil
}

// manifestTables returns the ids of the tables dir's manifest lists, in
// order; nil if it has no manifest or one Badger cannot read (Badger then
// says so itself, as damage).
func manifestTables(dir string) ([]uint64, error) {
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opts := leanOptions(dir, slog.New(slog.DiscardHandler))
	m, _, err := badger.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m.Tables)), nil
}

// tableBuffers are reused from block to block and table to table.
type tableBuffers struct{ raw, index, plain []byte }

// checkTable checks one table. A table is its blocks, each Snappy
// compressed and ending in its checksum and the checksum's length (4
// bytes), then its index, the index's length (4 bytes), the index's
// checksum, and the checksum's length (4 bytes).
func (buf *tableBuffers) checkTable(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	read := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > size {
			return nil, fmt.Errorf("is truncated (%d bytes)", size)
		}
		buf.raw = slices.Grow(buf.raw[:0], int(n))[:n]
		if _, err := f.ReadAt(buf.raw, off); err != nil {
			return nil, fmt.Errorf("cannot be read: %w", err)
		}
		return buf.raw, nil
	}
	u32At := func(off int64) (int64, error) {
		b, err := read(off, 4)
		if err != nil {
			return 0, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	}
	pos := size - 4
	checksumLen, err := u32At(pos)
	if err != nil {
		return err
	}
	pos -= checksumLen
	sumBytes, err := read(pos, checksumLen)
	if err != nil {
		return err
	}
	sum := &pb.Checksum{}
	if err := proto.Unmarshal(sumBytes, sum); err != nil {
		return fmt.Errorf("has a damaged index checksum: %v", err)
	}
	pos -= 4
	indexLen, err := u32At(pos)
	if err != nil {
		return err
	}
	pos -= indexLen
	indexStart := pos
	index, err := read(pos, indexLen)
	if err != nil {
		return err
	}
	if err := y.VerifyChecksum(index, sum); err != nil {
		return fmt.Errorf("has a damaged index: %v", err)
	}
	buf.index = append(buf.index[:0], index...) // buf.raw is reused for the blocks
	offsets, err := blockOffsets(buf.index)
	if err != nil {
		return err
	}
	for i, bo := range offsets {
		off, n := bo[0], bo[1]
		if off+n > indexStart {
			return fmt.Errorf("is truncated (%d bytes, block %d ends at %d)", size, i, off+n)
		}
		block, err := read(off, n)
		if err != nil {
			return err
		}
		if err := buf.checkBlock(block); err != nil {
			return fmt.Errorf("has a damaged block %d at offset %d: %v", i, off, err)
		}
	}
	return nil
}

// blockOffsets reads a table's index (its checksum verified): each
// block's offset and length. A flatbuffer walk over bytes that are not
// one panics; a checksum that matched by chance (an index of zeros has
// the checksum 0) must give an error, not end the process.
func blockOffsets(index []byte) (offsets [][2]int64, err error) {
	if len(index) < 8 {
		return nil, fmt.Errorf("has a damaged index (%d bytes)", len(index))
	}
	defer func() {
		if recover() != nil {
			offsets, err = nil, errors.New("has a damaged index")
		}
	}()
	ti := fb.GetRootAsTableIndex(index, 0)
	var bo fb.BlockOffset
	for i := range ti.OffsetsLength() {
		if !ti.Offsets(&bo, i) {
			return nil, fmt.Errorf("has a damaged index: block %d has no offset", i)
		}
		offsets = append(offsets, [2]int64{int64(bo.Offset()), int64(bo.Len())})
	}
	return offsets, nil
}

// checkBlock decompresses one block and verifies its checksum, which
// covers everything before it.
func (buf *tableBuffers) checkBlock(compressed []byte) error {
	n, err := snappy.DecodedLen(compressed)
	if err != nil {
		return err
	}
	if n > 64*len(compressed)+1024 {
		// Snappy expands far less: a garbled length, not one to allocate.
		return fmt.Errorf("claims %d bytes from %d compressed", n, len(compressed))
	}
	buf.plain = slices.Grow(buf.plain[:0], n)[:n]
	plain, err := snappy.Decode(buf.plain, compressed)
	if err != nil {
		return err
	}
	if len(plain) < 4 {
		return fmt.Errorf("%d bytes", len(plain))
	}
	end := len(plain) - 4
	checksumLen := int(binary.BigEndian.Uint32(plain[end:]))
	if checksumLen > end {
		return fmt.Errorf("a checksum of %d bytes in %d", checksumLen, end)
	}
	sum := &pb.Checksum{}
	if err := proto.Unmarshal(plain[end-checksumLen:end], sum); err != nil {
		return err
	}
	return y.VerifyChecksum(plain[:end-checksumLen], sum)
}

// DamagedAdvice is what a person can do about ErrDamaged: the records
// live on at the communities' other members.
const DamagedAdvice = "Move the store directory named above aside (keep it: records you wrote that no member holds yet are only there),\n" +
	"start the daemon again, which creates an empty store, and join your communities again with an invite code\n" +
	"from a member: sync brings back every record they hold."

// badgerDamage lists what Badger's errors say when one of its files is
// damaged. Badger has no error values for these.
var badgerDamage = []string{
	"manifest", "Manifest", "checksum", "does not exist for table", "corrupt", "Invalid datakey id", "vlog",
	"key registry", "sanity text", "Encryption key mismatch",
}

// missingTable is what Badger says when a table its manifest lists is
// gone.
var missingTable = regexp.MustCompile(`file does not exist for table (\d+)`)

// damageText is Badger's damage error in words that name the file.
func damageText(err error) string {
	if m := missingTable.FindStringSubmatch(err.Error()); m != nil {
		id, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("table file %06d.sst is missing (removed, or the MANIFEST that lists it is damaged)", id)
	}
	return err.Error()
}

// damagedBadger reports whether err, from badger.Open, says that a file
// of the store is damaged rather than, say, unreadable for lack of rights.
func damagedBadger(err error) bool {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) && !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	for _, s := range badgerDamage {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}
