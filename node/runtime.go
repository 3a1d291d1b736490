package node

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"

	"github.com/kith-network/kith/node/api"
)

// runtimeStats measures the daemon's own footprint, for `kith status` and
// the soak benchmark: what must not grow while the node runs for months.
func runtimeStats() api.Runtime {
	rt := api.Runtime{Goroutines: runtime.NumGoroutine(), RSSBytes: rss(), OpenFiles: openFiles()}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		rt.HeapBytes = sample[0].Value.Uint64()
	}
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 { // -1 reads it
		rt.MemoryLimitBytes = uint64(limit)
	}
	return rt
}

// rss reads the resident set size from /proc (Linux), or 0.
func rss() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) == 2 && string(f[1]) == "kB" {
				kb, err := strconv.ParseUint(string(f[0]), 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// openFiles counts the open file descriptors from /proc (Linux), or -1.
func openFiles() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
