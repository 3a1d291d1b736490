package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// measureOpen opens the store in dir in a child process (so the parent's
// own memory does not count) and returns its Go heap in use and its
// resident set size, in MB, once open.
func measureOpen(tb testing.TB, dir string) (heapMB, rssMB float64) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenMemoryChild$", "-test.v")
	cmd.Env = append(os.Environ(), "KITH_MEM_STORE="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("memory child: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "memory heap=%f rss=%f", &heapMB, &rssMB); err == nil {
			return heapMB, rssMB
		}
	}
	tb.Fatalf("memory child printed no measurement:\n%s", out)
	return 0, 0
}

// TestOpenMemoryChild is the process measureOpen runs.
func TestOpenMemoryChild(t *testing.T) {
	dir := os.Getenv("KITH_MEM_STORE")
	if dir == "" {
		t.Skip("run by measureOpen")
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("memory heap=%.1f rss=%.1f\n", float64(ms.HeapInuse)/(1<<20), rssMB())
}

// rssMB reads this process's resident set size from /proc (Linux).
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb float64
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return -1
}
