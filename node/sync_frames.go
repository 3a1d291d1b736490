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
	r       *bufio.Reader
	w       *bufio.Writer
	read    int // payload bytes received, against limit
	limit   int
	in, out counted // every byte, for metrics
}

func newFrames(s network.Stream, limit int) *frames {
	f := &frames{limit: limit}
	f.in.r, f.out.w = s, s
	f.r, f.w = bufio.NewReader(&f.in), bufio.NewWriter(&f.out)
	return f
}

// counted counts the bytes read from r or written to w.
type counted struct {
	r io.Reader
	w io.Writer
	n int
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *counted) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
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
