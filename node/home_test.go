package node

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/home"
)

// TestHomeReadableByOthersWarned: a home directory opened to others since
// it was set up (its store holds every community's text) is said in the
// log at start.
func TestHomeReadableByOthersWarned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	ctx := context.Background()
	h := home.Home{Dir: t.TempDir()}
	start := func() string {
		t.Helper()
		log := new(logBuffer)
		n, err := Start(ctx, Config{Home: h, Loopback: true, API: "127.0.0.1:0", NoSearch: true, Logger: slog.New(slog.NewTextHandler(log, nil))})
		must(t, err)
		must(t, n.Close())
		return log.String()
	}
	must(t, os.Chmod(h.Dir, 0o700))
	if out := start(); strings.Contains(out, "readable by others") {
		t.Errorf("a private home warned of:\n%s", out)
	}
	must(t, os.Chmod(h.Dir, 0o755))
	if out := start(); !strings.Contains(out, "the home directory is readable by others: run chmod 700 on it") || !strings.Contains(out, "mode=0755") {
		t.Errorf("a home readable by others, not warned of:\n%s", out)
	}
}
