package node

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/libp2p/go-libp2p/core/network"
)

// frames reads and writes the session's frames: a kind byte and a
// length-prefixed payload.
type frames struct {
	r     *bufio.Reader
	w     *bufio.Writer
	read  int // bytes received
	limit int
}

func newFrames(s network.Stream, limit int) *frames {
	return &frames{r: bufio.NewReader(s), w: bufio.NewWriter(s), limit: limit}
}

func (f *frames) send(kind byte, payload []byte) error {
	f.w.WriteByte(kind)
	return writeFrame(f.w, payload)
}

func (f *frames) flush() error { return f.w.Flush() }

// recv reads a frame of one of the expected kinds.
func (f *frames) recv(want ...byte) (byte, []byte, error) {
	kind, err := f.r.ReadByte()
	if err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	if !slices.Contains(want, kind) {
		return 0, nil, fmt.Errorf("unexpected frame %q, want one of %q", kind, want)
	}
	size, err := binary.ReadUvarint(f.r)
	if err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	if size > maxSyncFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes, the limit is %d", size, maxSyncFrame)
	}
	if f.read += int(size); f.read > f.limit {
		return 0, nil, fmt.Errorf("peer sent more than %d bytes in one session", f.limit)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f.r, data); err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	return kind, data, nil
}
