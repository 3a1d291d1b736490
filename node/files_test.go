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
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/internal/syncbuf"
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
	f, _, err := n.OpenFile(context.Background(), h, "")
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
	if !f.Here {
		t.Error("a file just added is said not to be here")
	}
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
	waitFor(t, "the post on b", 20*time.Second, func() bool { _, _, err := b.namedFile(f.Hash, ""); return err == nil })

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
	waitFor(t, "the post on b", 20*time.Second, func() bool { _, _, err := b.namedFile(f.Hash, ""); return err == nil })
	_, att, err = b.namedFile(f.Hash, "")
	must(t, err)
	_, list, err = a.blobs.ChunkList(f.Hash)
	must(t, err)
	return a, b, community, att, list
}

// fakeFileServer starts a libp2p host, connected to n, that answers chunk
// requests with chunk(i) and nothing else; it returns its peer id.
func fakeFileServer(t *testing.T, n *Node, chunk func(i int) []byte) peer.ID {
	return fileServer(t, n, func(w *bufio.Writer, q fileRequest) error {
		for _, i := range q.chunks {
			if err := writePiece(w, statusOK, chunk(i)); err != nil {
				return err
			}
			if err := w.Flush(); err != nil { // each chunk as it is ready
				return err
			}
		}
		return nil
	})
}

// fileServer starts a libp2p host, connected to n, that answers each file
// request with answer; it returns its peer id.
func fileServer(t *testing.T, n *Node, answer func(w *bufio.Writer, q fileRequest) error) peer.ID {
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
			if err != nil || answer(w, q) != nil || w.Flush() != nil {
				return
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
	if _, named, err := b.namedFile(att.HashID(), ""); err != nil || named.Size != lie.Size {
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

// lackingFileServer starts a libp2p host, connected to n, that answers
// every file request as a peer that does not have the file (statusNo);
// it returns its peer id.
func lackingFileServer(t *testing.T, n *Node) peer.ID {
	return fileServer(t, n, func(w *bufio.Writer, q fileRequest) error {
		for range max(len(q.chunks), 1) { // a chunk list request has one answer
			if err := writePiece(w, statusNo, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestFetchErrorNamesEachPeerOnce: a fetch that fails says how many
// peers were asked, counting each once whatever the number of its
// streams, and what each answered. (It said "after asking 2 peers" of one
// peer asked on two streams, and listed it twice; a failed chunk list
// named only the last peer asked.)
func TestFetchErrorNamesEachPeerOnce(t *testing.T) {
	ctx := context.Background()
	data := fileBytes(20*protocol.ChunkSize, 10)
	_, b, community, att, list := fileOnTwoNodes(t, data)
	lacking, other := lackingFileServer(t, b), lackingFileServer(t, b)

	p, err := b.blobs.Begin(att, list, b.cfg.MaxFileBytes)
	must(t, err)
	err = b.fetchChunks(ctx, community, att, p, []peer.ID{lacking})
	if err == nil {
		t.Fatal("chunks came from a peer that has none")
	}
	msg := err.Error()
	t.Logf("chunks: %v", err)
	if !strings.Contains(msg, "after asking 1 peer:") || strings.Count(msg, lacking.String()) != 1 ||
		!strings.Contains(msg, "does not have chunk") {
		t.Errorf("chunks from one peer that has none: %q; want it counted and named once, with what it answered", msg)
	}

	_, _, err = b.chunkList(ctx, community, att, []peer.ID{lacking, other})
	if err == nil {
		t.Fatal("a chunk list came from peers that have none")
	}
	msg = err.Error()
	t.Logf("chunk list: %v", err)
	for _, pid := range []peer.ID{lacking, other} {
		if strings.Count(msg, pid.String()) != 1 {
			t.Errorf("chunk list from two peers that have none: %q; want each named once", msg)
		}
	}
	if !strings.Contains(msg, "asked 2 peers") || !strings.Contains(msg, "does not have this file") {
		t.Errorf("chunk list from two peers that have none: %q; want how many were asked and what each answered", msg)
	}
	if got := api.StatusOf(err); got != http.StatusServiceUnavailable {
		t.Errorf("chunk list from two peers that have none: status %d, want 503 (try later)", got)
	}
}

// logBuffer is an io.Writer for a node's log that tests may read while
// the node writes.
type logBuffer = syncbuf.Buffer

// TestFilesSayWhyTheyAreNotHere: a file over this node's max_file_mb is
// marked so, with the limit (the UI offers no fetch bound to fail); an
// upload over it is refused in one message that names the limit and the
// setting; a fetch that fails is logged, and its reason stays on the
// file, also when nobody waited for its end (the UI waits 2 seconds),
// until a fetch of it starts again.
func TestFilesSayWhyTheyAreNotHere(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	var log logBuffer
	b, err := Start(ctx, Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0",
		MaxFileBytes: 2 << 20, AutoFetchBytes: -1, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	must(t, err)
	t.Cleanup(func() { b.Close() })
	community := shareCommunity(t, a, "Files", b)
	small, err := a.AddFile(ctx, bytes.NewReader(fileBytes(protocol.ChunkSize+1, 11)), "small.bin", "application/octet-stream")
	must(t, err)
	big, err := a.AddFile(ctx, bytes.NewReader(fileBytes(3<<20, 12)), "big.bin", "application/octet-stream")
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "Files", Files: []api.File{small, big}})
	must(t, err)
	waitFor(t, "the post on b", 20*time.Second, func() bool { _, _, err := b.namedFile(big.Hash, ""); return err == nil })
	fileOnB := func(h protocol.ID) api.File {
		t.Helper()
		fs, err := b.Files(ctx, community, "", 10)
		must(t, err)
		for _, f := range fs.Files {
			if f.Hash == h {
				return f.File
			}
		}
		t.Fatalf("file %s not listed: %+v", h, fs.Files)
		return api.File{}
	}

	if f := fileOnB(big.Hash); f.Here || f.OverLimit != 2<<20 {
		t.Errorf("a file over b's limit: %+v; want over_limit %d", f, 2<<20)
	}
	if f := fileOnB(small.Hash); f.Here || f.OverLimit != 0 || f.FetchError != "" {
		t.Errorf("a file within b's limit: %+v", f)
	}
	if _, err := b.FetchFile(ctx, big.Hash, nil); err == nil || !strings.Contains(err.Error(), "max_file_mb") ||
		api.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("fetch a file over the limit: %v; want a bad request naming max_file_mb", err)
	}
	_, err = b.AddFile(ctx, bytes.NewReader(fileBytes(3<<20, 13)), "upload.bin", "application/octet-stream")
	if err == nil || strings.Count(err.Error(), "bad request") != 1 || !strings.Contains(err.Error(), "2.0 MiB") ||
		!strings.Contains(err.Error(), "max_file_mb") {
		t.Errorf("upload over the limit: %v; want one message naming the limit (2.0 MiB) and max_file_mb", err)
	}

	// With the only holder gone, the fetch fails; no one waits for it.
	a.Close()
	waitFor(t, "a gone from b's peers", 20*time.Second, func() bool { return len(b.filePeers(community)) == 0 })
	gone, cancel := context.WithCancel(ctx)
	cancel()
	b.FetchFile(gone, small.Hash, nil)
	waitFor(t, "the failure on the file", 10*time.Second, func() bool { return fileOnB(small.Hash).FetchError != "" })
	if f := fileOnB(small.Hash); !strings.Contains(f.FetchError, "no connected peer") || f.Fetching {
		t.Errorf("after a failed fetch: %+v; want why it failed", f)
	}
	if l := log.String(); !strings.Contains(l, "attachment fetch failed") || !strings.Contains(l, "small.bin") {
		t.Errorf("the failed fetch is not logged:\n%s", l)
	}
	// A fetch asked again fails again, saying why, and is not stuck on the
	// one before.
	if _, err := b.FetchFile(ctx, small.Hash, nil); err == nil || api.StatusOf(err) != http.StatusServiceUnavailable {
		t.Errorf("fetch again: %v; want unavailable", err)
	}
}

// TestFilesListSaysWhatIsHere: "here" in a community's files list is
// true exactly when the node holds the bytes: on the node of the member
// who attached them, and on another once fetched (checked for a report
// of "here": false for files held, which this does not reproduce).
func TestFilesListSaysWhatIsHere(t *testing.T) {
	ctx := context.Background()
	data := fileBytes(2*protocol.ChunkSize+5, 14)
	a, b, community, att, _ := fileOnTwoNodes(t, data)
	here := func(n *Node) bool {
		t.Helper()
		fs, err := n.Files(ctx, community, "", 10)
		must(t, err)
		if len(fs.Files) != 1 {
			t.Fatalf("files: %+v", fs.Files)
		}
		return fs.Files[0].Here
	}
	if !here(a) {
		t.Error("the attaching member's node says its own file is not here")
	}
	if here(b) {
		t.Error("a node that fetches only when told says the file is here before a fetch")
	}
	_, err := b.FetchFile(ctx, att.HashID(), nil)
	must(t, err)
	if !here(b) {
		t.Error("after a fetch the file is not here")
	}
}

// TestAutoFetchWhenAPeerConnects: an attachment that no connected peer
// could give (records imported while alone, or a restart before any peer
// reconnected) is fetched as soon as a peer connects, not after the
// 10-minute retry of failed fetches.
func TestAutoFetchWhenAPeerConnects(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Alone"})
	must(t, err)
	f, err := a.AddFile(ctx, bytes.NewReader(fileBytes(100_000, 7)), "notes.pdf", "application/pdf")
	must(t, err)
	_, err = a.Post(ctx, community, api.PostRequest{Title: "With a file", Files: []api.File{f}})
	must(t, err)
	var archive bytes.Buffer
	must(t, a.Export(ctx, community, &archive))
	_, err = b.Import(ctx, &archive) // b is connected to no one
	must(t, err)
	waitFor(t, "b's fetch to fail for want of a peer", 10*time.Second, func() bool {
		b.filesMu.Lock()
		defer b.filesMu.Unlock()
		return b.noPeer[f.Hash]
	})
	start := time.Now()
	_, err = b.Connect(ctx, a.Addrs()[0])
	must(t, err)
	waitFor(t, "the file on b", 15*time.Second, func() bool { return b.blobs.Has(f.Hash) })
	t.Logf("fetched %v after connecting", time.Since(start).Round(time.Millisecond))
}

// TestHiddenRecordsFilesAreNotServed: a moderator hides a post; its
// file, and that of a reply in its thread, are no longer served to
// members' nodes, fetched by them, or listed, until the post is shown
// again.
func TestHiddenRecordsFilesAreNotServed(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	b.cfg.AutoFetchBytes = 0
	community := shareCommunity(t, a, "Moderated files", b)
	add := func(name string, seed uint64) api.File {
		f, err := a.AddFile(ctx, bytes.NewReader(fileBytes(50_000, seed)), name, "application/octet-stream")
		must(t, err)
		return f
	}
	postFile, replyFile := add("post.bin", 11), add("reply.bin", 12)
	post, err := a.Post(ctx, community, api.PostRequest{Title: "Soon hidden", Files: []api.File{postFile}})
	must(t, err)
	_, err = a.Reply(ctx, post, api.ReplyRequest{Body: "And a file here", Files: []api.File{replyFile}})
	must(t, err)
	for _, f := range []api.File{postFile, replyFile} {
		waitFor(t, "the records on b", 20*time.Second, func() bool { _, _, err := b.namedFile(f.Hash, ""); return err == nil })
	}
	listed := func(n *Node) int {
		fs, err := n.Files(ctx, community, "", 100)
		must(t, err)
		return len(fs.Files)
	}
	if got := listed(b); got != 2 {
		t.Fatalf("b lists %d files before the hide, want 2", got)
	}
	_, postAtt, err := b.namedFile(postFile.Hash, "")
	must(t, err)

	_, err = a.Hide(ctx, post, api.ModerationRequest{Reason: "off topic"})
	must(t, err)
	waitFor(t, "the hide on b", 20*time.Second, func() bool {
		e, err := b.store.Get(ctx, post)
		return err == nil && e.Meta.Hidden
	})
	for _, n := range []*Node{a, b} {
		for _, f := range []api.File{postFile, replyFile} {
			if _, _, err := n.namedFile(f.Hash, ""); err == nil {
				t.Errorf("a record names %s on a node after the hide", f.Name)
			}
		}
		if got := listed(n); got != 0 {
			t.Errorf("a node lists %d files after the hide", got)
		}
	}
	if a.mayServe(community, postFile.Hash, b.PeerID()) {
		t.Error("a may still serve the hidden post's file")
	}
	if _, err := b.FetchFile(ctx, postFile.Hash, nil); err == nil {
		t.Error("b fetched the hidden post's file")
	}
	// Asked directly, by a node that has not seen the hide, a refuses.
	if err := b.fetchFile(ctx, community, postAtt, 1<<30, nil); err == nil || b.blobs.Has(postFile.Hash) {
		t.Errorf("a served the hidden post's file: %v", err)
	}

	_, err = a.Unhide(ctx, post, api.ModerationRequest{Reason: "on topic after all"})
	must(t, err)
	waitFor(t, "the post shown again on b", 20*time.Second, func() bool {
		e, err := b.store.Get(ctx, post)
		return err == nil && !e.Meta.Hidden
	})
	if _, err := b.FetchFile(ctx, replyFile.Hash, nil); err != nil {
		t.Errorf("the reply's file, shown again: %v", err)
	}
	if got := listed(b); got != 2 {
		t.Errorf("b lists %d files once the post is shown again, want 2", got)
	}
}
