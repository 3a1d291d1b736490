package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestCrashRecovery kills a process that is writing to a store, many times
// at random moments, with SIGKILL. After each kill the store must open,
// pass its consistency check, and hold every record whose durable write
// (Put) had returned.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	storeDir, ackFile := filepath.Join(dir, "store"), filepath.Join(dir, "acked")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	const rounds = 12
	acked := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), "KITH_CRASH_STORE="+storeDir, "KITH_CRASH_ACK="+ackFile,
			fmt.Sprintf("KITH_CRASH_ROUND=%d", round))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it at a random moment once it is writing: after its first
		// acknowledged write of this round (opening a grown store takes a
		// while under the race detector on a busy machine), up to 700 ms on.
		for deadline := time.Now().Add(time.Minute); len(readAcked(t, ackFile)) <= acked && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("round %d: child ended before it was killed (%v):\n%s", round, err, out.String())
		}
		ids := readAcked(t, ackFile)
		if len(ids) <= acked {
			t.Fatalf("round %d: the child acknowledged no new write before the kill:\n%s", round, out.String())
		}
		acked = len(ids)
		s, err := Open(storeDir, Options{})
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		rep, err := s.Check(context.Background())
		if err != nil || len(rep.Problems) > 0 {
			t.Fatalf("round %d: check after kill: %v %v", round, rep.Problems, err)
		}
		for _, id := range ids {
			if _, err := s.Get(context.Background(), id); err != nil {
				t.Fatalf("round %d: acknowledged record %s lost: %v", round, id, err)
			}
		}
		if rep, err := s.Check(context.Background()); err != nil || len(rep.Problems) > 0 || rep.Dirty > 0 {
			t.Fatalf("round %d: check after refresh: %v dirty=%d %v", round, rep.Problems, rep.Dirty, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d records acknowledged in all, %d in store", round, len(ids), rep.Records)
	}
}

// readAcked reads the IDs the child acknowledged; a torn last line (the
// kill came mid-write) is ignored.
func readAcked(t *testing.T, path string) []protocol.ID {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the first child has not written yet
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []protocol.ID
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id, err := protocol.ParseID(sc.Text()); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestCrashChild is the process TestCrashRecovery kills: it writes local
// records durably (acknowledging each after Put returns) and batches of
// replicated records, until it is killed.
func TestCrashChild(t *testing.T) {
	storeDir := os.Getenv("KITH_CRASH_STORE")
	if storeDir == "" {
		t.Skip("run by TestCrashRecovery")
	}
	var round int
	fmt.Sscan(os.Getenv("KITH_CRASH_ROUND"), &round)
	s, err := Open(storeDir, Options{FlushDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := os.OpenFile(os.Getenv("KITH_CRASH_ACK"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clock := prototest.Now.Add(time.Duration(round) * time.Hour)
	g := prototest.Sign(t, founder, protocol.ID{}, prototest.Now, protocol.Refs{}, &protocol.Community{Name: "Crash", Policy: protocol.JoinOpen})
	if _, err := s.Put(ctx, g); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(round), 2))
	var threads []protocol.ID
	for i := 0; ; i++ {
		clock = clock.Add(time.Millisecond)
		local := prototest.Sign(t, founder, g.ID(), clock, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion,
			Title: fmt.Sprintf("round %d post %d", round, i), Text: strings.Repeat("x", 900)})
		if _, err := s.Put(ctx, local); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(ack, local.ID())
		threads = append(threads, local.ID())
		var batch []*protocol.Record
		for j := range 50 {
			clock = clock.Add(time.Millisecond)
			author := prototest.Key(fmt.Sprintf("member %d", rng.IntN(40)))
			var r *protocol.Record
			switch {
			case j%10 == 0:
				r = prototest.Sign(t, author, g.ID(), clock, protocol.Refs{}, &protocol.Join{})
			default:
				r = prototest.Sign(t, author, g.ID(), clock, protocol.Refs{Root: threads[rng.IntN(len(threads))]},
					&protocol.Reply{Text: strings.Repeat("y", 900)})
			}
			batch = append(batch, r)
		}
		if _, err := s.Ingest(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
}
