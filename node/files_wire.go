package node

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/kith-network/kith/protocol"
)

// fileProtocol carries attachment bytes between nodes. A stream holds any
// number of requests, each answered before the next is read:
//
//	request  = community (32 bytes) hash (32 bytes) op
//	op 'L'   = ask for the file's chunk hash list
//	op 'C'   = count (uvarint, 1..maxChunksAsked) index (uvarint) ...
//	answer to 'L' = status, and if ok: length (uvarint) size (8 bytes, big-endian) list
//	answer to 'C' = for each index asked: status, and if ok: length (uvarint) chunk
//
// A node answers only for a file that a record of the community names (and
// that is not deleted), and only to a peer allowed in the community:
// otherwise every answer is statusNo, whether it has the file or not, so
// that a stranger cannot learn which files a node holds.
const fileProtocol = "/kith/file/1.0.0"

const (
	opList  = 'L'
	opChunk = 'C'

	statusOK      = 0 // here it comes
	statusNo      = 1 // not for you, or no such file here
	statusMissing = 2 // this chunk is not here (yet): ask another peer

	maxChunksAsked = 64 // chunks one request may ask for
)

// fileRequest is one request of the file protocol.
type fileRequest struct {
	community protocol.ID
	hash      protocol.ID
	op        byte
	chunks    []int
}

// encode appends the request's wire form to b.
func (q fileRequest) encode(b []byte) []byte {
	b = append(append(append(b, q.community[:]...), q.hash[:]...), q.op)
	if q.op == opChunk {
		b = binary.AppendUvarint(b, uint64(len(q.chunks)))
		for _, i := range q.chunks {
			b = binary.AppendUvarint(b, uint64(i))
		}
	}
	return b
}

// readFileRequest reads one request; io.EOF before its first byte means
// the peer has no more. Indexes are bounded by the largest file a record
// may name; the server checks them against the file's own size.
func readFileRequest(r *bufio.Reader) (fileRequest, error) {
	var q fileRequest
	var head [2*idLenBytes + 1]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return q, fmt.Errorf("request cut short: %w", err)
		}
		return q, err
	}
	copy(q.community[:], head[:idLenBytes])
	copy(q.hash[:], head[idLenBytes:2*idLenBytes])
	q.op = head[2*idLenBytes]
	switch q.op {
	case opList:
		return q, nil
	case opChunk:
	default:
		return q, fmt.Errorf("unknown file request %q", q.op)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n == 0 || n > maxChunksAsked {
		return q, fmt.Errorf("bad chunk count")
	}
	maxIndex := uint64(protocol.ChunkCount(protocol.MaxAttachmentBytes))
	for range n {
		i, err := binary.ReadUvarint(r)
		if err != nil || i >= maxIndex {
			return q, fmt.Errorf("bad chunk index")
		}
		q.chunks = append(q.chunks, int(i))
	}
	return q, nil
}

// readChunkList reads the answer to a chunk list request for the file
// with hash h: its status, and if ok, the file's size and chunk list,
// which must hash to h (so neither can be forged). Nothing a record
// claims is needed to read it.
func readChunkList(r *bufio.Reader, h protocol.ID) (status byte, size uint64, list []byte, err error) {
	maxList := protocol.ChunkCount(protocol.MaxAttachmentBytes) * protocol.HashSize
	status, n, err := readHead(r)
	if err != nil || status != statusOK {
		return status, 0, nil, err
	}
	if n < 8 || n > uint64(8+maxList) {
		return 0, 0, nil, fmt.Errorf("chunk list answer of %d bytes", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, 0, nil, fmt.Errorf("read answer: %w", err)
	}
	size, list = binary.BigEndian.Uint64(data), data[8:]
	if size > protocol.MaxAttachmentBytes || len(list) != protocol.ChunkCount(size)*protocol.HashSize || protocol.RootOf(size, list) != h {
		return 0, 0, nil, fmt.Errorf("the chunk list sent does not match the file's hash")
	}
	return statusOK, size, list, nil
}

// readPiece reads one answer: its status, and if ok, a length-prefixed
// payload of exactly want bytes, into buf if it is large enough.
func readPiece(r *bufio.Reader, want int, buf []byte) (byte, []byte, error) {
	status, size, err := readHead(r)
	if err != nil || status != statusOK {
		return status, nil, err
	}
	if size != uint64(want) {
		return 0, nil, fmt.Errorf("answer of %d bytes, want %d", size, want)
	}
	data := buf[:0]
	if cap(buf) >= want {
		data = buf[:want]
	} else {
		data = make([]byte, want)
	}
	if _, err := io.ReadFull(r, data); err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return statusOK, data, nil
}

// readHead reads the start of one answer: its status, and if ok, the
// length of the payload that follows.
func readHead(r *bufio.Reader) (status byte, length uint64, err error) {
	status, err = r.ReadByte()
	if err != nil {
		return 0, 0, fmt.Errorf("read answer: %w", err)
	}
	if status != statusOK {
		if status != statusNo && status != statusMissing {
			return 0, 0, fmt.Errorf("unknown answer status %d", status)
		}
		return status, 0, nil
	}
	if length, err = binary.ReadUvarint(r); err != nil {
		return 0, 0, fmt.Errorf("read answer: %w", err)
	}
	return statusOK, length, nil
}

// writePiece writes one answer.
func writePiece(w *bufio.Writer, status byte, data []byte) error {
	w.WriteByte(status)
	if status != statusOK {
		return nil
	}
	w.Write(binary.AppendUvarint(nil, uint64(len(data))))
	_, err := w.Write(data)
	return err
}
