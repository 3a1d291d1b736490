package soak

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/internal/netlab"
)

// TestShortSoak is the soak cut to fit CI: five daemons for 40 seconds,
// one stopped for 10. Every post reaches every node, nearly all of them
// live; the stopped node catches up; goroutines and open files do not
// creep; the report is written. The full soak is `kith bench soak`.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a 40-second run of real daemons")
	}
	bin, err := netlab.BuildKith(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Bin: bin, Nodes: 5, Duration: 40 * time.Second, Rate: 3,
		Sample: 4 * time.Second, Away: 1, AwayFor: 10 * time.Second, Progress: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Growth()
	t.Logf("posts %d, live %d of %d, p50 %v p99 %v max %v, complete %v after %v, caught up in %v, growth %+v",
		res.Posts, res.DeliveredLive, res.ExpectedLive, res.P50, res.P99, res.Max, res.Complete, res.CompleteAfter, res.CaughtUpIn, g)
	if !res.Complete {
		t.Error("not every node holds every post")
	}
	if res.Share() < 0.95 {
		t.Errorf("only %.1f%% delivered live", 100*res.Share())
	}
	if res.CaughtUpIn == 0 || res.CaughtUpIn > 30*time.Second {
		t.Errorf("the stopped node caught up in %v", res.CaughtUpIn)
	}
	if g.Goroutines > 50 || g.OpenFiles > 50 {
		t.Errorf("growth over the run: %+v", g)
	}
	if len(res.StopFailures) > 0 {
		t.Errorf("daemons did not stop cleanly: %v", res.StopFailures)
	}
	dir := t.TempDir()
	if err := res.WriteReport(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"latency.svg", "memory.svg", "goroutines.svg", "files.svg", "catchup.svg"} {
		if !strings.Contains(string(md), f) {
			t.Errorf("the report does not show %s", f)
		}
		if svg, err := os.ReadFile(filepath.Join(dir, f)); err != nil || !strings.Contains(string(svg), "<polyline") && !strings.Contains(string(svg), "<rect x=") {
			t.Errorf("%s: %v, or nothing drawn", f, err)
		}
	}
}
