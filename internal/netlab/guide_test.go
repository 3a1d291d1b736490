package netlab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kith-network/kith/internal/syncbuf"
)

// The user guide (docs/guide.md) is tested by running it: TestGuide makes
// one lab machine per name its markers use, all on one LAN, and runs the
// marked blocks in order as a new user would, on a fresh home directory
// per machine, with the kith command the guide's install step builds.
//
// A marker is an HTML comment on a line of its own (invisible when the
// Markdown is rendered), before the block it marks:
//
//	<!-- guide: HOST -->           run the block on HOST
//	<!-- guide: HOST checkout -->  run it on HOST in the source checkout (the install)
//	<!-- guide: HOST daemon -->    start its one command in the background and wait until the node is up
//	<!-- guide: HOST retry -->     run it until it succeeds and its expected output matches (60 s)
//	<!-- guide: HOST stop -->      (no block) Ctrl-C in HOST's daemon terminal: SIGINT, a clean exit
//	<!-- guide: expect -->         output the block before must print (see expectRE)
//
// The machines share a working directory (a file one writes, another
// reads: the guide says it is copied) and the shell variables the blocks
// set (the guide says what is sent to whom), like a reader who carries
// both from one machine to the next.

// guideFile is the guide, from this package's directory.
const guideFile = "../../docs/guide.md"

// guideRetry is how long a retry block may take to succeed.
const guideRetry = 60 * time.Second

// guideStep is one marked part of the guide.
type guideStep struct {
	line   int    // of the marker, 1-based
	host   string // empty for expect
	action string // "run", "checkout", "daemon", "retry", "stop" or "expect"
	text   string // the block's text, without the fences
}

func (s guideStep) String() string {
	if s.line == 0 {
		return fmt.Sprintf("after the guide: %s %s", s.host, s.action)
	}
	if s.host == "" {
		return fmt.Sprintf("guide.md:%d: %s", s.line, s.action)
	}
	return fmt.Sprintf("guide.md:%d: %s %s", s.line, s.host, s.action)
}

var (
	markerRE = regexp.MustCompile(`^<!-- guide: ([a-z][a-z0-9-]*)(?: ([a-z]+))? -->$`)
	fenceRE  = regexp.MustCompile("^```")
)

// parseGuide returns the marked steps of a guide, in order.
func parseGuide(text string) ([]guideStep, error) {
	lines := strings.Split(text, "\n")
	var steps []guideStep
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "<!-- guide:") {
			continue
		}
		m := markerRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("guide.md:%d: malformed marker %q", i+1, line)
		}
		s := guideStep{line: i + 1, host: m[1], action: m[2]}
		switch {
		case s.host == "expect" && s.action == "":
			s.host, s.action = "", "expect"
		case s.action == "":
			s.action = "run"
		case s.action == "checkout", s.action == "daemon", s.action == "retry", s.action == "stop":
		default:
			return nil, fmt.Errorf("%v: unknown action %q", s, s.action)
		}
		if s.action != "stop" {
			// The block starts on the next line; its indentation (inside
			// a list item) is not part of its text.
			if i+1 >= len(lines) || !fenceRE.MatchString(strings.TrimSpace(lines[i+1])) {
				return nil, fmt.Errorf("%v: no ``` block on the next line", s)
			}
			indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
			var body []string
			j := i + 2
			for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
				body = append(body, strings.TrimPrefix(lines[j], strings.Repeat(" ", indent)))
			}
			if j == len(lines) {
				return nil, fmt.Errorf("%v: the block is not closed", s)
			}
			s.text = strings.Join(body, "\n")
			i = j
		}
		switch {
		case s.action == "expect" && (len(steps) == 0 || steps[len(steps)-1].action == "stop" || steps[len(steps)-1].action == "expect"):
			return nil, fmt.Errorf("%v: expected output follows no block", s)
		case s.action == "daemon" && strings.Contains(strings.TrimSpace(s.text), "\n"):
			return nil, fmt.Errorf("%v: a daemon block is one command", s)
		}
		steps = append(steps, s)
	}
	if len(steps) == 0 {
		return nil, errors.New("guide.md has no marked blocks")
	}
	return steps, nil
}

// expectRE turns one line of expected output into a regular expression
// for one line of real output, both with runs of spaces made one (tables
// are aligned differently in the guide). The guide abbreviates as a person
// would: "…" stands for any text, a run of letters and digits just before
// it is a placeholder (an id, a key, a code: "5e0c3f92ab71…" is any id),
// and digits stand for any digits (times, ports, addresses, counts), as
// the names of days and months for any (dates).
func expectRE(line string) *regexp.Regexp {
	var pieces []string // each token's expression; ".*" for a lone "…"
	for _, tok := range strings.Fields(line) {
		if tok == "…" {
			pieces = append(pieces, ".*")
			continue
		}
		var re strings.Builder
		parts := strings.Split(tok, "…")
		for j, p := range parts {
			if j == len(parts)-1 {
				re.WriteString(literalRE(p))
				break
			}
			k := len(p)
			for k > 0 && isAlnum(p[k-1]) {
				k--
			}
			re.WriteString(literalRE(p[:k]) + "[A-Za-z0-9]*.*")
		}
		pieces = append(pieces, re.String())
	}
	var re strings.Builder
	re.WriteString("^")
	for i, p := range pieces {
		if i > 0 {
			if p == ".*" || pieces[i-1] == ".*" {
				re.WriteString(" ?") // "a … b" also matches "a b"
			} else {
				re.WriteString(" ")
			}
		}
		re.WriteString(p)
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// datesRE finds what a date has that changes from day to day: digits,
// and the names of days and months.
var datesRE = regexp.MustCompile(`[0-9]+|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b`)

// literalRE matches s, with any digits for its digits and any day or
// month for the names of days and months.
func literalRE(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range datesRE.FindAllStringIndex(s, -1) {
		b.WriteString(regexp.QuoteMeta(s[last:m[0]]))
		if c := s[m[0]]; c >= '0' && c <= '9' {
			b.WriteString(`[0-9]+`)
		} else {
			b.WriteString(`[A-Z][a-z]{2}`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(s[last:]))
	return b.String()
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]|\r")

// matchExpected checks that every line of want matches a line of got, in
// order (got may have more lines: logs, lines the guide leaves out).
func matchExpected(want, got string) error {
	var lines []string
	for _, l := range strings.Split(ansiRE.ReplaceAllString(got, ""), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	at := 0
	for _, w := range strings.Split(want, "\n") {
		if strings.TrimSpace(w) == "" || strings.TrimSpace(w) == "…" {
			continue
		}
		re := expectRE(w)
		for at < len(lines) && !re.MatchString(lines[at]) {
			at++
		}
		if at == len(lines) {
			return fmt.Errorf("no line like %q (in order)", strings.TrimSpace(w))
		}
		at++
	}
	return nil
}

func TestExpectedOutput(t *testing.T) {
	for _, c := range []struct {
		want, got string
		ok        bool
	}{
		{"kith … (go1.26.8 linux/amd64)", "kith devel (go1.26.10 linux/amd64)", true},
		{"kith … (go1.26.8 linux/amd64)", "kith (go1.26.10 linux/amd64)", true},
		{"COMMUNITY NAME\n5e0c3f92ab71…   Soil Health  open  …", "COMMUNITY   NAME\nf0f42efdeb210ad4f7adb0ea0d02aac8  Soil Health  open  1  2  founder  not synced yet", true},
		{"5e0c3f92ab71…   Soil Health  open  …", "f0f42efdeb210ad4f7adb0ea0d02aac8  Soil Wealth  open  1", false},
		{"UI:      http://127.0.0.1:7732/login?code=5c1f09e2…", "UI: http://127.0.0.1:34263/login?code=534c6124", true},
		{"UI:      http://127.0.0.1:7732/login?code=5c1f09e2…", "UI: https://127.0.0.1:34263/login?code=534c6124", false},
		{"— 4be8f1d2… by 83af5cf30820ad5d… at 2026-11-27 09:16", "— f9086616f3f5 by 83af5cf30820ad5d… at 2026-11-28 01:24", true},
		{"…Calibrating a pH meter", "abc  2026-11-27 01:24  1  Calibrating a pH meter", true},
		{"question · Fri, 27 Nov 2026 09:14:03 UTC · by 538c6e181c5d5434…", "question · Mon, 1 Feb 2027 11:04:55 UTC · by 9a0b", true},
		{"b\na", "a\nb", false},
		{"a\n…\nb", "a\nx\nb", true},
		{"profile published in 1 communities", "\x1b[Kprofile published in 12 communities\r", true},
	} {
		if err := matchExpected(c.want, c.got); (err == nil) != c.ok {
			t.Errorf("want %q, got %q: %v", c.want, c.got, err)
		}
	}
}

// TestGuideParses holds the guide's markers to their grammar without the
// lab, so that a broken marker fails everywhere, not only as root.
func TestGuideParses(t *testing.T) {
	text, err := os.ReadFile(guideFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseGuide(string(text)); err != nil {
		t.Fatal(err)
	}
}

// guideDaemon is a `kith daemon` a daemon block started.
type guideDaemon struct {
	step guideStep
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
	err  error // once done is closed

	stopped bool // by a stop step or the end of the guide, not by itself
}

// guideMachine is one lab host as the guide's reader uses it.
type guideMachine struct {
	host    *Host
	home    string // $HOME, under which the default kith home is
	daemons []*guideDaemon
}

// running is the machine's daemon that has not exited, if any.
func (m *guideMachine) running() *guideDaemon {
	for _, d := range m.daemons {
		select {
		case <-d.done:
		default:
			return d
		}
	}
	return nil
}

// guideRun is one run of the guide.
type guideRun struct {
	t        *testing.T
	repo     string
	work     string // the shared working directory
	state    string // the shell variables the blocks set, as `declare -p`
	env      []string
	machines map[string]*guideMachine
}

func TestGuide(t *testing.T) {
	start := time.Now()
	text, err := os.ReadFile(guideFile)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseGuide(string(text))
	if err != nil {
		t.Fatal(err)
	}
	l := New(t)
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	g := &guideRun{t: t, repo: repo, work: filepath.Join(dir, "work"), state: filepath.Join(dir, "vars.sh"),
		machines: make(map[string]*guideMachine)}
	if err := os.Mkdir(g.work, 0o755); err != nil {
		t.Fatal(err)
	}
	g.env = guideEnv(t, filepath.Join(dir, "gopath"))

	lan := l.LAN("office", "192.168.1.0/24")
	lan.address() // .1 is the router's, as on a real office LAN
	for _, s := range steps {
		if s.host == "" || g.machines[s.host] != nil {
			continue
		}
		home := filepath.Join(dir, "home", s.host)
		if err := os.MkdirAll(home, 0o755); err != nil {
			t.Fatal(err)
		}
		g.machines[s.host] = &guideMachine{host: l.Host(s.host, lan), home: home}
	}
	t.Cleanup(func() {
		for _, m := range g.machines {
			if d := m.running(); d != nil {
				d.cmd.Process.Kill()
				<-d.done
			}
		}
	})

	var last string // the output of the block before
	for i, s := range steps {
		stepStart := time.Now()
		switch s.action {
		case "run", "checkout":
			out, err := g.run(s)
			if err != nil {
				g.fail(s, out, err)
			}
			last = out
		case "retry":
			last = g.retry(s, expectAfter(steps, i))
		case "daemon":
			last = g.daemon(s, expectAfter(steps, i))
		case "stop":
			g.stop(s, syscall.SIGINT)
		case "expect":
			prev := steps[i-1]
			if prev.action == "daemon" {
				continue // matched when it started: its output grows
			}
			if err := matchExpected(s.text, g.normalize(prev.host, last)); err != nil {
				g.fail(s, last, err)
			}
		}
		if s.action == "expect" || s.action == "stop" {
			t.Logf("%v (%v)", s, time.Since(stepStart).Round(time.Millisecond))
		} else {
			t.Logf("%v (%v):\n%s", s, time.Since(stepStart).Round(time.Millisecond), tail(last, 20))
		}
	}
	// Done: every daemon still running stops cleanly, none stopped by
	// itself, and every store is consistent.
	for _, name := range sortedNames(g.machines) {
		m := g.machines[name]
		if d := m.running(); d != nil {
			g.stop(guideStep{host: name, action: "stop"}, syscall.SIGTERM)
		}
		for _, d := range m.daemons {
			if !d.stopped {
				t.Errorf("the daemon %v started exited by itself (%v):\n%s", d.step, d.err, tail(d.out.String(), 60))
			}
		}
		if len(m.daemons) > 0 {
			out, err := g.shell(context.Background(), m, g.work, "kith check")
			if err != nil {
				t.Errorf("kith check on %s: %v\n%s", name, err, out)
			}
		}
	}
	t.Logf("the guide ran in %v", time.Since(start).Round(time.Millisecond))
}

// expectAfter is the output expected of step i, if the guide shows it.
func expectAfter(steps []guideStep, i int) string {
	if i+1 < len(steps) && steps[i+1].action == "expect" {
		return steps[i+1].text
	}
	return ""
}

func sortedNames(m map[string]*guideMachine) []string {
	return slices.Sorted(maps.Keys(m))
}

// guideEnv is the environment every machine starts with: a PATH without
// any kith, Go's caches from this machine so that the install needs no
// network (there is none in the lab), and the passphrase the identity
// commands would ask for.
func guideEnv(t *testing.T, gopath string) []string {
	t.Helper()
	goenv := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	var path []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "kith")); err == nil {
			continue
		}
		path = append(path, d)
	}
	return []string{
		"PATH=" + strings.Join(path, string(filepath.ListSeparator)),
		"GOPATH=" + gopath,
		"GOMODCACHE=" + goenv("GOMODCACHE"),
		"GOCACHE=" + goenv("GOCACHE"),
		"GOFLAGS=" + goenv("GOFLAGS"),
		"GOTOOLCHAIN=local",
		"GOPROXY=off",
		"LANG=C.UTF-8",
		"KITH_PASSPHRASE=correct horse battery staple",
	}
}

// shell runs a script with bash on a machine, in dir, with the shared
// variables, and saves the variables it sets. Its output is stdout and
// stderr together, as a terminal shows them.
func (g *guideRun) shell(ctx context.Context, m *guideMachine, dir, script string) (string, error) {
	limit := 2 * time.Minute
	if dir == g.repo {
		limit = 5 * time.Minute // the install, with a cold build cache
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	wrapped := `__guide_base=$(compgen -v)
if [ -f "$GUIDE_STATE" ]; then source "$GUIDE_STATE"; fi
` + script + `
__guide_names=$(compgen -v | grep -E '^[A-Z][A-Z0-9_]*$' | grep -vE '^(BASH|PIPESTATUS|FUNCNAME|COLUMNS|LINES)' | grep -vxF -f <(printf '%s\n' $__guide_base) || true)
declare -p PATH $__guide_names > "$GUIDE_STATE.new"
mv "$GUIDE_STATE.new" "$GUIDE_STATE"
`
	cmd := m.host.Command(ctx, "bash", "-euo", "pipefail", "-c", wrapped)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, g.env...), "HOME="+m.home, "GUIDE_STATE="+g.state)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dir is where a step runs.
func (g *guideRun) dir(s guideStep) string {
	if s.action == "checkout" {
		return g.repo
	}
	return g.work
}

// run runs a block once.
func (g *guideRun) run(s guideStep) (string, error) {
	return g.shell(context.Background(), g.machines[s.host], g.dir(s), s.text)
}

// retry runs a block until it succeeds and its output has want, as a
// reader runs a command again until what they wait for arrives.
func (g *guideRun) retry(s guideStep, want string) string {
	deadline := time.Now().Add(guideRetry)
	for tries := 1; ; tries++ {
		out, err := g.run(s)
		if err == nil && want != "" {
			err = matchExpected(want, g.normalize(s.host, out))
		}
		if err == nil {
			if tries > 1 {
				g.t.Logf("%v: succeeded on try %d", s, tries)
			}
			return out
		}
		if time.Now().After(deadline) {
			g.fail(s, out, fmt.Errorf("still failing after %v: %w", guideRetry, err))
		}
		time.Sleep(time.Second)
	}
}

// daemon starts a daemon block's command and waits until the node
// answers and its output has want.
func (g *guideRun) daemon(s guideStep, want string) string {
	m := g.machines[s.host]
	if d := m.running(); d != nil {
		g.fail(s, "", fmt.Errorf("a daemon started at %v is still running there", d.step))
	}
	// The shell replaces itself with the daemon, as it would in a
	// terminal: signals reach the daemon.
	script := `if [ -f "$GUIDE_STATE" ]; then source "$GUIDE_STATE"; fi
exec ` + strings.TrimSpace(s.text)
	cmd := m.host.Command(context.Background(), "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = g.work
	cmd.Env = append(append([]string{}, g.env...), "HOME="+m.home, "GUIDE_STATE="+g.state)
	d := &guideDaemon{step: s, cmd: cmd, out: new(syncbuf.Buffer), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		g.fail(s, "", err)
	}
	go func() { d.err = cmd.Wait(); close(d.done) }()
	m.daemons = append(m.daemons, d)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-d.done:
			g.fail(s, d.out.String(), fmt.Errorf("the daemon exited: %v", d.err))
		default:
		}
		up := strings.Contains(d.out.String(), "Kith daemon running")
		if up {
			if _, err := g.shell(context.Background(), m, g.work, "kith status >/dev/null"); err != nil {
				up = false
			}
		}
		var err error
		if up && want != "" {
			err = matchExpected(want, g.normalize(s.host, d.out.String()))
		}
		if up && err == nil {
			return d.out.String()
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("the node did not start")
			}
			g.fail(s, d.out.String(), fmt.Errorf("after 30s: %w", err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends sig to the machine's daemon, as Ctrl-C in its terminal
// (SIGINT) or a service manager (SIGTERM) would, and wants it to exit
// cleanly within 15 seconds.
func (g *guideRun) stop(s guideStep, sig syscall.Signal) {
	m := g.machines[s.host]
	d := m.running()
	if d == nil {
		g.fail(s, "", errors.New("no daemon is running there"))
	}
	d.stopped = true
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
		if d.err != nil {
			g.fail(s, d.out.String(), fmt.Errorf("the daemon exited with %v on %v", d.err, sig))
		}
	case <-time.After(15 * time.Second):
		d.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in its output
		<-d.done
		g.fail(s, d.out.String(), fmt.Errorf("the daemon did not stop on %v", sig))
	}
}

// normalize shows a machine's output as the guide does: its home as
// /home/USER, USER being the machine's name up to a dash (alice-desktop
// is Alice's too).
func (g *guideRun) normalize(host, out string) string {
	m := g.machines[host]
	if m == nil {
		return out
	}
	user, _, _ := strings.Cut(host, "-")
	return strings.ReplaceAll(out, m.home, "/home/"+user)
}

// fail stops the test at a step, with its output and every daemon's.
func (g *guideRun) fail(s guideStep, out string, err error) {
	g.t.Helper()
	var logs strings.Builder
	for _, name := range sortedNames(g.machines) {
		for _, d := range g.machines[name].daemons {
			fmt.Fprintf(&logs, "\n--- daemon on %s, started at %v:\n%s", name, d.step, tail(d.out.String(), 60))
		}
	}
	g.t.Fatalf("%v: %v\n%s\n--- output:\n%s%s", s, err, s.text, out, logs.String())
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
