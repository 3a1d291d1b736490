package node

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

// BenchmarkFileTransfer100MiB measures fetching a 100 MiB attachment from
// one daemon to another on loopback (chunk list, chunks checked as they
// arrive, written to disk, synced, moved into place),
// against a plain TCP copy of the same bytes from the same file to a file
// on the same disk, in the same iteration. Goal: at least 0.5 of the TCP
// rate.
func BenchmarkFileTransfer100MiB(b *testing.B) {
	ctx := context.Background()
	start := func() *Node {
		n, err := Start(ctx, Config{Home: home.Home{Dir: b.TempDir()}, Loopback: true, API: "127.0.0.1:0",
			NoSearch: true, AutoFetchBytes: -1, MaxFileBytes: 200 << 20})
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	a, c := start(), start()
	defer a.Close()
	defer c.Close()
	community := shareCommunity(b, a, "Bench", c)
	data := fileBytes(100<<20, 5)
	f, err := a.AddFile(ctx, bytes.NewReader(data), "big.bin", "application/octet-stream")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Post(ctx, community, api.PostRequest{Title: "Big", Files: []api.File{f}}); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, _, err := c.namedFile(f.Hash, ""); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the post never reached the other node")
		}
		time.Sleep(20 * time.Millisecond)
	}
	src := filepath.Join(a.cfg.Home.Dir, home.FilesDir, f.Hash.String()[:2], f.Hash.String())
	dst := b.TempDir()

	var kithTime, tcpTime time.Duration
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		t0 := time.Now()
		if err := tcpCopy(src, filepath.Join(dst, "copy")); err != nil {
			b.Fatal(err)
		}
		tcpTime += time.Since(t0)

		t0 = time.Now()
		if _, err := c.FetchFile(ctx, f.Hash, nil); err != nil {
			b.Fatal(err)
		}
		kithTime += time.Since(t0)
		b.StopTimer()
		if err := c.blobs.Remove(f.Hash); err != nil {
			b.Fatal(err)
		}
		os.Remove(filepath.Join(dst, "copy"))
		b.StartTimer()
	}
	mb := float64(len(data)) / (1 << 20) * float64(b.N)
	b.ReportMetric(mb/kithTime.Seconds(), "kith-MiB/s")
	b.ReportMetric(mb/tcpTime.Seconds(), "tcp-MiB/s")
	b.ReportMetric(tcpTime.Seconds()/kithTime.Seconds(), "ratio")
}

// tcpCopy sends a file over a loopback TCP connection into a new file,
// synced, as the raw cost of moving its bytes between two processes.
func tcpCopy(src, dst string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	sent := make(chan error, 1)
	go func() {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			sent <- err
			return
		}
		defer conn.Close()
		in, err := os.Open(src)
		if err != nil {
			sent <- err
			return
		}
		defer in.Close()
		_, err = io.Copy(conn, in)
		sent <- err
	}()
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	if _, err := io.Copy(out, conn); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return <-sent
}
