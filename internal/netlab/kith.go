package netlab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kith-network/kith/internal/syncbuf"
	"github.com/kith-network/kith/node/api"
)

// KithPort is the TCP and UDP port every lab daemon listens on: each host
// has its own address, so they never collide.
const KithPort = 4001

// BuildKith builds the kith command into dir and returns its path.
func BuildKith(dir string) (string, error) {
	bin := filepath.Join(dir, "kith")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kith-network/kith/cmd/kith")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build kith: %v: %s", err, out)
	}
	return bin, nil
}

// KithOptions configure a lab daemon through its config file.
type KithOptions struct {
	Name      string
	Bootstrap []string // multiaddrs ending in /p2p/<peer id>
	Relays    []string
	Anchor    bool
}

// Kith is a `kith daemon` process on a lab host, with its own home
// directory, driven by running the kith command on the same host (the
// daemon's API is on that host's loopback).
type Kith struct {
	t    testing.TB
	Host *Host
	Home string
	bin  string

	mu  sync.Mutex // guards cmd
	cmd *exec.Cmd
	log syncbuf.Buffer
}

// StartKith sets up a home directory listening on the host's address and
// starts the daemon on it; the test's cleanup stops it.
func (h *Host) StartKith(t testing.TB, bin string, o KithOptions) *Kith {
	t.Helper()
	k := &Kith{t: t, Host: h, Home: t.TempDir(), bin: bin}
	if out, err := exec.Command(bin, "--home", k.Home, "init", "--name", o.Name).CombinedOutput(); err != nil {
		t.Fatalf("kith init on %s: %v: %s", h.name, err, out)
	}
	addr := h.Addr().String()
	conf := map[string]any{
		"name": o.Name,
		"listen": []string{fmt.Sprintf("/ip4/%s/tcp/%d", addr, KithPort),
			fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", addr, KithPort)},
		"api":       "127.0.0.1:0",
		"bootstrap": append([]string{}, o.Bootstrap...),
		"relays":    append([]string{}, o.Relays...),
		"anchor":    o.Anchor,
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(conf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(k.Home, "config.toml"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	k.Start()
	t.Cleanup(k.Stop)
	return k
}

// Write collects the daemon's output.
func (k *Kith) Write(p []byte) (int, error) {
	return k.log.Write(p)
}

// Logs returns what the daemon printed so far, for failure messages.
func (k *Kith) Logs() string {
	return k.log.String()
}

// Start starts the daemon and waits until its API answers.
func (k *Kith) Start() {
	k.t.Helper()
	cmd := k.Host.Command(context.Background(), k.bin, "--home", k.Home, "daemon", "--log-level", "debug")
	cmd.Stdout, cmd.Stderr = k, k
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start kith on %s: %v", k.Host.name, err)
	}
	k.mu.Lock()
	k.cmd = cmd
	k.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(k.Home, "api.addr")); err == nil {
			if _, err := k.Run("status"); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("kith on %s did not start:\n%s", k.Host.name, k.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the daemon with SIGTERM and fails the test unless it exits
// cleanly within 15 seconds. Stopping a stopped daemon does nothing.
func (k *Kith) Stop() {
	k.t.Helper()
	k.stop(syscall.SIGTERM)
}

// Kill stops the daemon with SIGKILL, as a crash or power cut would.
func (k *Kith) Kill() {
	k.t.Helper()
	k.stop(syscall.SIGKILL)
}

func (k *Kith) stop(sig syscall.Signal) {
	k.mu.Lock()
	cmd := k.cmd
	k.cmd = nil
	k.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && sig == syscall.SIGTERM {
			k.t.Errorf("kith on %s exited with %v:\n%s", k.Host.name, err, k.Logs())
		}
	case <-time.After(15 * time.Second):
		// SIGQUIT makes the Go runtime print every goroutine's stack: the
		// log then shows where the daemon hangs.
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		k.t.Errorf("kith on %s did not stop on %v:\n%s", k.Host.name, sig, k.Logs())
	}
}

// Run runs a kith command against this daemon and returns its output.
func (k *Kith) Run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := k.Host.Command(ctx, k.bin, append([]string{"--home", k.Home}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kith %s on %s: %w: %s", strings.Join(args, " "), k.Host.name, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.String(), nil
}

// MustRun runs a kith command that must succeed.
func (k *Kith) MustRun(args ...string) string {
	k.t.Helper()
	out, err := k.Run(args...)
	if err != nil {
		k.t.Fatalf("%v\ndaemon log:\n%s", err, k.Logs())
	}
	return out
}

// JSON runs a kith command with --json and decodes its output into v.
func (k *Kith) JSON(v any, args ...string) {
	k.t.Helper()
	out := k.MustRun(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		k.t.Fatalf("kith %v on %s: decode %q: %v", args, k.Host.name, out, err)
	}
}

// Status is `kith status`.
func (k *Kith) Status() api.Status {
	k.t.Helper()
	var st api.Status
	k.JSON(&st, "status")
	return st
}

// Peers is `kith peers`.
func (k *Kith) Peers() []api.Peer {
	k.t.Helper()
	var peers []api.Peer
	k.JSON(&peers, "peers")
	return peers
}

// Addr is the daemon's TCP address on its host, with its peer id: what
// another node bootstraps from.
func (k *Kith) Addr() string {
	k.t.Helper()
	return "/ip4/" + k.Host.Addr().String() + "/tcp/" + strconv.Itoa(KithPort) + "/p2p/" + k.Status().PeerID
}

// Eventually calls cond every 200 ms until it returns true or timeout
// passes, and fails the test with what and the logs of nodes otherwise.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool, nodes ...*Kith) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, k := range nodes {
				fmt.Fprintf(&logs, "\n--- log of %s:\n%s", k.Host.name, k.Logs())
			}
			t.Fatalf("after %v: %s%s", timeout, what, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Created runs a command that creates something (with --json) and returns
// the new id.
func (k *Kith) Created(args ...string) string {
	k.t.Helper()
	var c api.Created
	k.JSON(&c, args...)
	return c.ID.String()
}

// Community returns what the node says of one community, and whether it
// holds it.
func (k *Kith) Community(id string) (api.Community, bool) {
	k.t.Helper()
	var cs []api.Community
	k.JSON(&cs, "community", "list")
	for _, c := range cs {
		if c.ID.String() == id {
			return c, true
		}
	}
	return api.Community{}, false
}

// Titles lists the titles of a community's threads on this node.
func (k *Kith) Titles(community string) []string {
	k.t.Helper()
	var threads []api.Thread
	k.JSON(&threads, "post", "list", community, "--all")
	titles := make([]string, len(threads))
	for i, th := range threads {
		titles[i] = th.Title
	}
	return titles
}

// Check runs `kith check` on the stopped daemon's store and returns the
// problems it reports.
func (k *Kith) Check() []string {
	k.t.Helper()
	out, err := k.Run("check", "--json")
	var res struct {
		Records  int      `json:"records"`
		Problems []string `json:"problems"`
	}
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
		k.t.Fatalf("kith check on %s: %v (%v): %q", k.Host.name, jerr, err, out)
	}
	return res.Problems
}
