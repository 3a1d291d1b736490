package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLogs: `kith logs` shows the daemon's recent log from the daemon
// itself (as text or its JSON lines), and `kith logs -f` shows a line the
// daemon logs while it follows, then stops cleanly on Ctrl-C.
func TestLogs(t *testing.T) {
	d := startDaemon(t)
	community := d.createdID(t, "community", "create", "--name", "Logged")

	raw := strings.TrimSpace(d.mustRun(t, "logs", "--json", "-n", "2000"))
	lines := strings.Split(raw, "\n")
	if len(lines) < 2 {
		t.Fatalf("kith logs --json gave %d lines:\n%s", len(lines), raw)
	}
	msgs := map[string]bool{}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil || rec["time"] == nil {
			t.Fatalf("not a log record: %q (%v)", l, err)
		}
		msgs[fmt.Sprint(rec["msg"])] = true
	}
	// The daemon's own lines too, not only the node's.
	if !msgs["config"] || !msgs["started"] {
		t.Errorf("the recent log lacks the daemon's config and started lines: %v", msgs)
	}
	if got := strings.Count(strings.TrimSpace(d.mustRun(t, "logs", "-n", "1")), "\n"); got != 0 {
		t.Errorf("kith logs -n 1 gave %d lines", got+1)
	}
	if r := d.run(t, "logs", "-n", "99999"); r.code != 1 || !strings.Contains(r.stderr, "--lines") {
		t.Errorf("kith logs -n 99999: exit %d, %q", r.code, r.stderr)
	}

	follow := exec.Command(kithBin, "--home", d.home, "logs", "-f", "-n", "0")
	follow.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var stderr strings.Builder
	follow.Stderr = &stderr
	out, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer follow.Process.Kill()
	seen := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "search: community indexed") {
				seen <- sc.Text()
				return
			}
		}
		close(seen)
	}()
	// A reindex logs a line per community, at info, after the follower
	// connected (retried, since the follower may connect after the first).
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	d.mustRun(t, "search", "--reindex")
wait:
	for {
		select {
		case line, ok := <-seen:
			if !ok {
				t.Fatal("kith logs -f ended before the daemon's line came")
			}
			if !strings.Contains(line, "INFO") || !strings.Contains(line, "community="+community) {
				t.Errorf("followed line %q: want level INFO and community=%s", line, community)
			}
			// Durations read as durations, not nanoseconds.
			if !regexp.MustCompile(`took=[0-9.]+(ns|µs|ms|s|m[0-9.]+s)( |$)`).MatchString(line) {
				t.Errorf("followed line %q: want took= as a duration", line)
			}
			break wait
		case <-tick.C:
			d.mustRun(t, "search", "--reindex")
		case <-deadline:
			t.Fatal("kith logs -f did not show the reindex within 30 s")
		}
	}
	follow.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case err := <-done:
		if err != nil || stderr.Len() > 0 {
			t.Errorf("kith logs -f after Ctrl-C: %v, %q; want status 0 and nothing said", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Error("kith logs -f did not stop on Ctrl-C")
	}
}

// TestLogsFollowDaemonStops: when the daemon stops while `kith logs -f`
// follows it, whether it shuts down or is killed, the follower says so
// and exits with status 1, unlike after Ctrl-C: a script waiting on it,
// or a person watching, must not take the end for a clean one.
func TestLogsFollowDaemonStops(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		stop       func(t *testing.T, d *daemon)
	}{
		{"shut down", "the daemon stopped: its log ended", func(t *testing.T, d *daemon) { d.stop(t) }},
		{"killed", "the daemon stopped abruptly", func(t *testing.T, d *daemon) {
			d.cmd.Process.Kill()
			d.cmd.Wait() // a killed daemon is not stopped again at cleanup
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDaemon(t)
			follow := exec.Command(kithBin, "--home", d.home, "logs", "-f", "-n", "1")
			follow.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
			var stderr strings.Builder
			follow.Stderr = &stderr
			out, err := follow.StdoutPipe()
			must(t, err)
			must(t, follow.Start())
			defer follow.Process.Kill()
			// The first line comes once the follower is connected; the
			// rest is read until the follower exits, and only then Wait.
			connected, done := make(chan error, 1), make(chan error, 1)
			go func() {
				r := bufio.NewReader(out)
				_, err := r.ReadString('\n')
				connected <- err
				io.Copy(io.Discard, r)
				done <- follow.Wait()
			}()
			if err := <-connected; err != nil {
				t.Fatalf("kith logs -f showed no line: %v, %v, %q", err, <-done, stderr.String())
			}
			tc.stop(t, d)
			select {
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), tc.want) {
					t.Errorf("kith logs -f after the daemon stopped: %v, %q; want status 1 and %q", err, stderr.String(), tc.want)
				}
			case <-time.After(15 * time.Second):
				t.Error("kith logs -f went on after the daemon stopped")
			}
		})
	}
}

func TestFormatLogLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"time":"2026-11-27T01:02:03.456Z","level":"INFO","msg":"synced","community":"ab12","fetched":3}`, " INFO  synced community=ab12 fetched=3"},
		{`{"time":"x","level":"WARN","msg":"two words","err":"dial: no route","k=v":"a\nb"}`, `x WARN  two words err="dial: no route" "k=v"="a\nb"`},
		{`{"time":"x","level":"ERROR","msg":"line\nforged INFO ok"}`, `x ERROR "line\nforged INFO ok"`},
		{`not json at all`, `"not json at all"`},
		{`{"msg":`, `"{\"msg\":"`},
		{"\x1b[31mred", `"\x1b[31mred"`},
	} {
		got := formatLogLine([]byte(tc.in))
		if !strings.HasSuffix(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("formatLogLine(%q) = %q, want one line ending %q", tc.in, got, tc.want)
		}
	}
}

// FuzzFormatLogLine: whatever the daemon's stream carries, a formatted
// line is one line and formatting never panics.
func FuzzFormatLogLine(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-27T01:02:03Z","level":"INFO","msg":"m","a":{"b":[1,2]}}`))
	f.Add([]byte(`{"msg":"\u0000"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if got := formatLogLine(line); strings.ContainsAny(got, "\n\r") {
			t.Errorf("formatLogLine(%q) = %q spans lines", line, got)
		}
	})
}
