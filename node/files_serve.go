package node

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// fileRequestTimeout bounds one request and its answer (up to
// maxChunksAsked chunks of 1 MiB).
const fileRequestTimeout = 2 * time.Minute

// serveFiles answers a peer's file requests until it closes the stream.
func (n *Node) serveFiles(s network.Stream) {
	defer s.Close()
	ctx, cancel := context.WithCancel(n.ctx)
	defer cancel()
	defer resetOnDone(ctx, s)()
	remote := s.Conn().RemotePeer()
	r, w := bufio.NewReader(s), bufio.NewWriterSize(s, 256<<10)
	buf := make([]byte, protocol.ChunkSize) // one chunk at a time, reused
	for {
		s.SetDeadline(time.Now().Add(fileRequestTimeout))
		q, err := readFileRequest(r)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			n.log.Debug("file request refused", "peer", remote, "err", err)
			s.Reset()
			return
		}
		if err := n.answerFile(w, q, remote, buf); err != nil {
			n.log.Debug("answer file request", "peer", remote, "err", err)
			s.Reset()
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

// answerFile writes the answer to one request.
func (n *Node) answerFile(w *bufio.Writer, q fileRequest, remote peer.ID, buf []byte) error {
	ok := n.mayServe(q.community, q.hash, remote)
	switch q.op {
	case opList:
		if !ok {
			return writePiece(w, statusNo, nil)
		}
		size, list, err := n.blobs.ChunkList(q.hash)
		if err != nil {
			return writePiece(w, statusMissing, nil)
		}
		return writePiece(w, statusOK, append(binary.BigEndian.AppendUint64(nil, size), list...))
	default:
		for _, i := range q.chunks {
			var err error
			switch data, rerr := n.blobs.ReadChunk(q.hash, i, buf); {
			case !ok:
				err = writePiece(w, statusNo, nil)
			case rerr != nil:
				err = writePiece(w, statusMissing, nil)
			default:
				n.metrics.fileBytes("out", len(data))
				err = writePiece(w, statusOK, data)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// mayServe reports whether an accepted record of community names the
// file with hash h, and the peer may have the community's files.
func (n *Node) mayServe(community, h protocol.ID, p peer.ID) bool {
	_, ok, err := n.store.FileNamed(community, h)
	return err == nil && ok && n.allowPeer(community, p)
}
