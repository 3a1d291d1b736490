package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/blobs"
	"github.com/kith-network/kith/node/home"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/protocol"
)

func fileBytes(n int, seed uint64) []byte {
	rng := mrand.New(mrand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// readAllFile reads a file of a node's attachment store.
func readAllFile(t *testing.T, n *Node, h protocol.ID) []byte {
	t.Helper()
	f, _, err := n.OpenFile(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	must(t, err)
	return data
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAttachmentsReplicateAndPurge: a file attached to a post on one node
// is fetched by the others as soon as the post arrives, byte for byte;
// deleting the post purges it from every node's disk.
func TestAttachmentsReplicateAndPurge(t *testing.T) {
	ctx := context.Background()
	a, b, c := startTestNode(t), startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Files", b, c)
	data := fileBytes(3*protocol.ChunkSize+12345, 1)
	f, err := a.AddFile(ctx, bytes.NewReader(data), "whiteboard.jpg", "image/jpeg")
	must(t, err)
	if _, err := a.Post(ctx, community, api.PostRequest{Title: "missing file", Files: []api.File{{Hash: protocol.ID{9}, Name: "x", Type: "text/plain"}}}); err == nil {
		t.Error("a post named a file never uploaded")
	}
	post, err := a.Post(ctx, community, api.PostRequest{Title: "Whiteboard", Body: "from today", Files: []api.File{f}})
	must(t, err)
	for _, n := range []*Node{b, c} {
		waitFor(t, "the file on another node", 30*time.Second, func() bool { return n.blobs.Has(f.Hash) })
		if got := readAllFile(t, n, f.Hash); !bytes.Equal(got, data) {
			t.Fatal("the fetched file differs")
		}
		d, err := n.Thread(ctx, post)
		must(t, err)
		if len(d.Files) != 1 || d.Files[0].Name != "whiteboard.jpg" || d.Files[0].Size != uint64(len(data)) {
			t.Errorf("thread files: %+v", d.Files)
		}
		fs, err := n.Files(ctx, community, "", 10)
		must(t, err)
		if len(fs.Files) != 1 || !fs.Files[0].Here || fs.Files[0].Record != post {
			t.Errorf("Files: %+v", fs.Files)
		}
	}
	_, err = a.Delete(ctx, post, api.ModerationRequest{})
	must(t, err)
	for _, n := range []*Node{a, b, c} {
		waitFor(t, "the file purged", 30*time.Second, func() bool { return !n.blobs.Has(f.Hash) })
		left, _ := n.blobs.Hashes()
		if len(left) != 0 {
			t.Errorf("files left: %x", left)
		}
	}
}

// TestFetchResumesAfterRestart: a node stopped halfway through a large
// file fetches only what it lacked after it starts again.
func TestFetchResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	dir := t.TempDir()
	startB := func() *Node {
		n, err := Start(ctx, Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0", AutoFetchBytes: -1})
		must(t, err)
		return n
	}
	b := startB()
	community := shareCommunity(t, a, "Big files", b)
	data := fileBytes(40*protocol.ChunkSize, 2)
	f, err := a.AddFile(ctx, bytes.NewReader(data), "dataset.bin", "application/octet-stream")
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "Dataset", Files: []api.File{f}})
	must(t, err)
	waitFor(t, "the post on b", 20*time.Second, func() bool { _, _, err := b.namedFile(f.Hash); return err == nil })

	fctx, cancel := context.WithCancel(ctx)
	var half uint64
	b.FetchFile(fctx, f.Hash, func(p api.FileProgress) {
		if p.Received >= p.Size/2 && half == 0 {
			half = p.Received
			b.Close() // the node stops mid-transfer
			cancel()
		}
	})
	cancel()
	b.Close()
	if half == 0 {
		t.Fatal("the fetch finished before it could be cut")
	}
	b = startB()
	defer b.Close()
	before := scrape(t, b)[`kith_file_bytes_total{direction="in"}`]
	waitFor(t, "b reconnected", 20*time.Second, func() bool { return len(b.filePeers(community)) > 0 })
	_, err = b.FetchFile(ctx, f.Hash, nil)
	must(t, err)
	fetched := scrape(t, b)[`kith_file_bytes_total{direction="in"}`] - before
	if got := readAllFile(t, b, f.Hash); !bytes.Equal(got, data) {
		t.Fatal("the resumed file differs")
	}
	if fetched >= float64(len(data))-float64(half)+2*protocol.ChunkSize*fileBatch {
		t.Errorf("after the restart %v bytes were fetched; %d were here already of %d", fetched, half, len(data))
	}
	t.Logf("cut at %d of %d bytes; fetched %v after the restart", half, len(data), fetched)
}

// TestCorruptPeerIsDropped: a peer that serves chunks that do not match
// their hash is caught at its first bad chunk and the file comes whole
// from an honest peer.
func TestCorruptPeerIsDropped(t *testing.T) {
	ctx := context.Background()
	data := fileBytes(6*protocol.ChunkSize, 3)
	a, b, community, att, list := fileOnTwoNodes(t, data)
	// The liar answers every chunk request with flipped bytes.
	var served atomic.Int32
	liar := fakeFileServer(t, b, func(i int) []byte {
		served.Add(1)
		chunk := bytes.Clone(data[i*protocol.ChunkSize : (i+1)*protocol.ChunkSize])
		chunk[7] ^= 0xff
		return chunk
	})
	p, err := b.blobs.Begin(att, list, b.cfg.MaxFileBytes)
	must(t, err)
	// The liar first, so that it is surely asked.
	must(t, b.fetchChunks(ctx, community, att, p, []peer.ID{liar, a.PeerID()}))
	must(t, p.Finish())
	if got := readAllFile(t, b, att.HashID()); !bytes.Equal(got, data) {
		t.Fatal("the file differs")
	}
	if served.Load() == 0 {
		t.Fatal("the liar was never asked")
	}
	if got := scrape(t, b)[`kith_records_refused_total{reason="chunk-hash",via="file"}`]; got != 1 {
		t.Errorf("bad chunks counted %v, want 1 (the liar is dropped at its first)", got)
	}
}

// fileOnTwoNodes has node a attach data to a post in a community it
// shares with node b, which fetches only when told; it returns the
// attachment as b knows it and its chunk list.
func fileOnTwoNodes(t *testing.T, data []byte) (a, b *Node, community protocol.ID, att protocol.Attachment, list []byte) {
	t.Helper()
	ctx := context.Background()
	a, b = startTestNode(t), startTestNode(t)
	b.cfg.AutoFetchBytes = 0
	community = shareCommunity(t, a, "Files", b)
	f, err := a.AddFile(ctx, bytes.NewReader(data), "file.bin", "application/octet-stream")
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "A file", Files: []api.File{f}})
	must(t, err)
	waitFor(t, "the post on b", 20*time.Second, func() bool { _, _, err := b.namedFile(f.Hash); return err == nil })
	_, att, err = b.namedFile(f.Hash)
	must(t, err)
	_, list, err = a.blobs.ChunkList(f.Hash)
	must(t, err)
	return a, b, community, att, list
}

// fakeFileServer starts a libp2p host, connected to n, that answers chunk
// requests with chunk(i) and nothing else; it returns its peer id.
func fakeFileServer(t *testing.T, n *Node, chunk func(i int) []byte) peer.ID {
	t.Helper()
	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	h, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(fileProtocol, func(s network.Stream) {
		defer s.Close()
		r, w := bufio.NewReader(s), bufio.NewWriter(s)
		for {
			q, err := readFileRequest(r)
			if err != nil {
				return
			}
			for _, i := range q.chunks {
				if writePiece(w, statusOK, chunk(i)) != nil || w.Flush() != nil {
					return
				}
			}
		}
	})
	must(t, n.host.Connect(context.Background(), peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}))
	return h.ID()
}

// TestFileProtocolRefusesStrangers: a peer that is not allowed in an
// invite-only community, or asks for a file no record of the community
// names, gets statusNo, as for a file the node does not have.
func TestFileProtocolRefusesStrangers(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Closed", InviteOnly: true})
	must(t, err)
	data := fileBytes(1000, 4)
	f, err := a.AddFile(ctx, bytes.NewReader(data), "secret.txt", "text/plain")
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "Secret", Files: []api.File{f}})
	must(t, err)
	unnamed, err := a.AddFile(ctx, bytes.NewReader([]byte("no record names me")), "loose.txt", "text/plain")
	must(t, err)

	key, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	stranger, err := kithhost.New(kithhost.Config{Key: key, Loopback: true})
	must(t, err)
	defer stranger.Close()
	must(t, stranger.Connect(ctx, peer.AddrInfo{ID: a.PeerID(), Addrs: a.host.Addrs()}))
	ask := func(h protocol.ID, op byte) byte {
		s, err := stranger.NewStream(ctx, a.PeerID(), fileProtocol)
		must(t, err)
		defer s.Close()
		q := fileRequest{community: community, hash: h, op: op, chunks: []int{0}}
		s.Write(q.encode(nil))
		s.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, _, err := readPiece(bufio.NewReader(s), 1000, nil)
		must(t, err)
		return status
	}
	for name, status := range map[string]byte{
		"chunk list of a member's file":   ask(f.Hash, opList),
		"chunk of a member's file":        ask(f.Hash, opChunk),
		"chunk of a file no record names": ask(unnamed.Hash, opChunk),
	} {
		if status != statusNo {
			t.Errorf("%s: status %d, want %d (no)", name, status, statusNo)
		}
	}
}

// FuzzFileRequest: any bytes from a peer decode to a bounded request or an
// error, and a request decoded re-encodes to the bytes it came from.
func FuzzFileRequest(f *testing.F) {
	f.Add(fileRequest{op: opList}.encode(nil))
	f.Add(fileRequest{op: opChunk, chunks: []int{0, 5, 4095}}.encode(nil))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := readFileRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		if len(q.chunks) > maxChunksAsked {
			t.Fatalf("%d chunks asked", len(q.chunks))
		}
		if enc := q.encode(nil); !bytes.HasPrefix(data, enc) && q.op == opList {
			t.Fatalf("re-encoded %x, not a prefix of %x", enc, data)
		}
	})
}

// TestSlowPeerDoesNotHoldUpAFetch: with one peer that takes seconds per
// chunk and one that is quick, the quick one serves nearly the whole file,
// including the chunks first asked of the slow one (the end game), and
// the fetch does not wait for the slow peer.
func TestSlowPeerDoesNotHoldUpAFetch(t *testing.T) {
	ctx := context.Background()
	data := fileBytes(20*protocol.ChunkSize, 6)
	a, b, community, att, list := fileOnTwoNodes(t, data)
	var served atomic.Int32
	slow := fakeFileServer(t, b, func(i int) []byte {
		time.Sleep(3 * time.Second)
		served.Add(1)
		return data[i*protocol.ChunkSize : (i+1)*protocol.ChunkSize]
	})
	p, err := b.blobs.Begin(att, list, b.cfg.MaxFileBytes)
	must(t, err)
	must(t, b.fetchChunks(ctx, community, att, p, []peer.ID{slow, a.PeerID()}))
	must(t, p.Finish())
	if got := readAllFile(t, b, att.HashID()); !bytes.Equal(got, data) {
		t.Fatal("the file differs")
	}
	if n := served.Load(); n > 4 {
		t.Errorf("the slow peer served %d of 20 chunks: the quick one should have taken over", n)
	}
}

// TestRecordLyingAboutSizeCannotSpoilServing: a record that names a
// file by its hash but claims another size, older than the honest one,
// does not make honest nodes serve chunks cut to that size (which
// fetchers would take for corruption, and drop the node): chunks are cut
// by the bytes here, which match the hash. Nor does it spoil fetching:
// the size comes with the chunk list, proven by the hash, so a fetch on
// the lying record's word gets the whole file, and an automatic fetch
// holds its limit to the true size.
func TestRecordLyingAboutSizeCannotSpoilServing(t *testing.T) {
	ctx := context.Background()
	data := fileBytes(3*protocol.ChunkSize+100, 7)
	a, b, community, att, list := fileOnTwoNodes(t, data)
	lie := att
	lie.Size--
	liar, err := protocol.Sign(b.id.Member, community, time.Now().Add(-time.Hour).UnixMilli(), protocol.Refs{},
		&protocol.Post{Type: protocol.PostDiscussion, Title: "Same file, smaller", Files: []protocol.Attachment{lie}})
	must(t, err)
	for _, n := range []*Node{a, b} {
		_, err := n.store.Put(ctx, liar)
		must(t, err)
	}
	// The lying record is the older: fetches by hash take its word.
	if _, named, err := b.namedFile(att.HashID()); err != nil || named.Size != lie.Size {
		t.Fatalf("the file by hash: %+v, %v; want the lying record's", named, err)
	}
	if err := b.fetchFile(ctx, community, lie, int64(lie.Size), nil); !errors.Is(err, blobs.ErrTooLarge) {
		t.Errorf("an automatic fetch with a limit of the claimed size: %v, want too large", err)
	}
	if _, err := b.FetchFile(ctx, att.HashID(), nil); err != nil {
		t.Fatalf("fetch by hash on the lying record's word: %v", err)
	}
	if got := readAllFile(t, b, att.HashID()); !bytes.Equal(got, data) {
		t.Fatal("the file fetched by hash differs")
	}
	must(t, b.blobs.Remove(att.HashID()))
	p, err := b.blobs.Begin(att, list, b.cfg.MaxFileBytes)
	must(t, err)
	must(t, b.fetchChunks(ctx, community, att, p, []peer.ID{a.PeerID()}))
	must(t, p.Finish())
	if got := readAllFile(t, b, att.HashID()); !bytes.Equal(got, data) {
		t.Fatal("the file differs")
	}
	if got := scrape(t, b)[`kith_records_refused_total{reason="chunk-hash",via="file"}`]; got != 0 {
		t.Errorf("the honest node was taken for corrupt %v times", got)
	}
}

// FuzzReadChunkList: whatever a peer answers to a chunk list request, the
// reader returns a size and list that hash to the file's hash, or an
// error, and never panics.
func FuzzReadChunkList(f *testing.F) {
	hasher := protocol.NewFileHasher()
	hasher.Write(fileBytes(2*protocol.ChunkSize+5, 9))
	a, list := hasher.Attachment("f", "application/octet-stream")
	h := a.HashID()
	good := append([]byte{statusOK}, binary.AppendUvarint(nil, uint64(8+len(list)))...)
	good = append(binary.BigEndian.AppendUint64(good, a.Size), list...)
	f.Add(good)
	f.Add([]byte{statusNo})
	f.Add([]byte{statusOK, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Add(good[:len(good)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		status, size, got, err := readChunkList(bufio.NewReader(bytes.NewReader(data)), h)
		if err == nil && status == statusOK && (size != a.Size || !bytes.Equal(got, list)) {
			t.Errorf("accepted size %d and a list of %d bytes that are not the file's", size, len(got))
		}
	})
}

// TestNoFilePeerIsUnavailable: a fetch that no connected peer can serve is
// a 503 that says to try later (it was a 500, logged as an error), also
// when wrapped with the peer that failed.
func TestNoFilePeerIsUnavailable(t *testing.T) {
	for _, err := range []error{errNoFilePeer, fmt.Errorf("attachment %q: %w", "x.pdf", fmt.Errorf("12D3KooW…: %w", errNoFilePeer))} {
		if got := api.StatusOf(err); got != http.StatusServiceUnavailable {
			t.Errorf("%v: status %d, want 503", err, got)
		}
	}
	if !strings.Contains(errNoFilePeer.Error(), "try again once a member who holds it is online") {
		t.Errorf("message: %q", errNoFilePeer)
	}
}
