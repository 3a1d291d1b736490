// Package netlab builds small networks out of Linux network namespaces for
// tests that need more than loopback: LAN segments, hosts with their own
// addresses, NAT routers between an organisation's LAN and a public
// segment, and links that can be cut and restored.
//
// Every piece lives in a namespace the lab creates: a LAN is a bridge in a
// namespace of its own, a host is a namespace with one veth into a LAN, a
// router has one veth into each of two LANs. Nothing is added to the
// namespace the test runs in, so no packet from the lab can reach the
// machine's real network, and the real network cannot reach the lab. The
// lab removes its namespaces when the test ends, even when it fails, and
// removes those a killed test run left behind.
//
// It needs root, the ip command, and iptables for routers. Without them a
// test using it is skipped with the reason, unless KITH_NETLAB=require
// (set by CI, which runs as root), which makes it fail instead.
package netlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// RequireEnv is the environment variable that turns a missing privilege or
// tool from a skip into a failure.
const RequireEnv = "KITH_NETLAB"

// prefix starts the name of every namespace a lab creates; the creating
// process's pid follows, so that a later run can tell which are stale.
const prefix = "kithlab-"

// Lab is the set of namespaces one test builds. Its methods fail the test
// on error: a half-built network makes every later result meaningless.
type Lab struct {
	t    testing.TB
	name string // prefix + pid + sequence, shared by all its namespaces

	mu         sync.Mutex
	namespaces []string // in creation order
	links      int
}

var labSeq atomic.Int64

// New returns an empty lab, or skips the test (fails it under
// KITH_NETLAB=require) when namespaces cannot be made here.
func New(t testing.TB) *Lab {
	t.Helper()
	if err := available(); err != nil {
		if os.Getenv(RequireEnv) == "require" {
			t.Fatalf("network lab required (%s=require) but unavailable: %v", RequireEnv, err)
		}
		t.Skipf("network lab unavailable, skipping (needs root, ip and iptables; set %s=require to fail instead): %v", RequireEnv, err)
	}
	sweep()
	l := &Lab{t: t, name: fmt.Sprintf("%s%d-%d", prefix, os.Getpid(), labSeq.Add(1))}
	t.Cleanup(l.close)
	return l
}

// available says why namespaces cannot be made here, or nil.
func available() error {
	if os.Geteuid() != 0 {
		return errors.New("not running as root")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: %w", tool, err)
		}
	}
	probe := fmt.Sprintf("%s%d-probe", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot create a network namespace: %v: %s", err, bytes.TrimSpace(out))
	}
	exec.Command("ip", "netns", "del", probe).Run()
	return nil
}

// sweep removes the namespaces of lab processes that no longer run (a test
// binary killed before its cleanup).
func sweep() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == nil {
			continue // its process still runs
		}
		exec.Command("ip", "netns", "del", name).Run()
	}
}

// close kills what still runs in the lab's namespaces and deletes them.
func (l *Lab) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.namespaces) - 1; i >= 0; i-- {
		ns := l.namespaces[i]
		if out, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
			for _, f := range strings.Fields(string(out)) {
				if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			l.t.Errorf("netlab: delete namespace %s: %v: %s", ns, err, bytes.TrimSpace(out))
		}
	}
	l.namespaces = nil
}

// namespace creates a namespace with its loopback up.
func (l *Lab) namespace(name string) string {
	l.t.Helper()
	ns := l.name + "-" + name
	l.run("ip", "netns", "add", ns)
	l.mu.Lock()
	l.namespaces = append(l.namespaces, ns)
	l.mu.Unlock()
	l.run("ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// run runs a command that must succeed.
func (l *Lab) run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("netlab: %s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
}

// LAN is one network segment: a bridge that hosts and routers attach to.
type LAN struct {
	lab     *Lab
	ns      string
	prefix  netip.Prefix
	next    netip.Addr // the next address to hand out
	gateway netip.Addr // the router's address on it, if it has one
}

// LAN creates a segment whose hosts get addresses from prefix, in order
// from the first usable one (for instance "10.1.0.0/24").
func (l *Lab) LAN(name, prefix string) *LAN {
	l.t.Helper()
	p, err := netip.ParsePrefix(prefix)
	if err != nil || !p.Addr().Is4() || p.Bits() > 29 {
		l.t.Fatalf("netlab: LAN %s: want an IPv4 prefix of /29 or larger, got %q", name, prefix)
	}
	lan := &LAN{lab: l, ns: l.namespace("lan-" + name), prefix: p.Masked(), next: p.Masked().Addr().Next()}
	l.run("ip", "-n", lan.ns, "link", "add", "br0", "type", "bridge")
	l.run("ip", "-n", lan.ns, "link", "set", "br0", "up")
	return lan
}

// address hands out the LAN's next address.
func (lan *LAN) address() netip.Addr {
	a := lan.next
	if !lan.prefix.Contains(a.Next()) {
		lan.lab.t.Fatalf("netlab: LAN %s is full", lan.prefix)
	}
	lan.next = a.Next()
	return a
}

// attach connects namespace ns to the LAN through a new veth pair: dev in
// ns, with addr, and a port of the bridge on the LAN's side. It returns
// the bridge port's name, which Cut sets down.
func (lan *LAN) attach(ns, dev string, addr netip.Addr) string {
	l := lan.lab
	l.t.Helper()
	l.mu.Lock()
	l.links++
	port := fmt.Sprintf("p%d", l.links)
	l.mu.Unlock()
	l.run("ip", "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", port, "netns", lan.ns)
	l.run("ip", "-n", lan.ns, "link", "set", port, "master", "br0", "up")
	l.run("ip", "-n", ns, "addr", "add", netip.PrefixFrom(addr, lan.prefix.Bits()).String(), "dev", dev)
	l.run("ip", "-n", ns, "link", "set", dev, "up")
	return port
}

// Host is a machine on one LAN.
type Host struct {
	lab  *Lab
	name string
	ns   string
	lan  *LAN
	port string
	addr netip.Addr
}

// Host creates a machine on lan with the LAN's next address and, when the
// LAN has a router, a default route through it.
func (l *Lab) Host(name string, lan *LAN) *Host {
	l.t.Helper()
	h := &Host{lab: l, name: name, ns: l.namespace(name), lan: lan, addr: lan.address()}
	h.port = lan.attach(h.ns, "eth0", h.addr)
	if lan.gateway.IsValid() {
		l.run("ip", "-n", h.ns, "route", "add", "default", "via", lan.gateway.String())
	}
	return h
}

// Name is the host's name in the test.
func (h *Host) Name() string { return h.name }

// Addr is the host's address on its LAN.
func (h *Host) Addr() netip.Addr { return h.addr }

// Command returns a command that runs inside the host's namespace.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.ns, name}, args...)...)
}

// Cut takes the host off its LAN, as if its cable were pulled: packets
// to and from it are lost until Restore.
func (h *Host) Cut() {
	h.lab.t.Helper()
	h.lab.run("ip", "-n", h.lan.ns, "link", "set", h.port, "down")
}

// Restore puts a cut host back on its LAN.
func (h *Host) Restore() {
	h.lab.t.Helper()
	h.lab.run("ip", "-n", h.lan.ns, "link", "set", h.port, "up")
}

// Router joins a private LAN to an upstream one with NAT, like an
// organisation's gateway: hosts on the private LAN reach the upstream one
// from the router's upstream address, and nothing upstream can open a
// connection to them.
type Router struct {
	*Host
}

// Router creates a router with an address on upstream and the first
// address of private, which it serves as every private host's gateway.
// Create it before the private LAN's hosts.
func (l *Lab) Router(name string, upstream, private *LAN) *Router {
	l.t.Helper()
	if private.gateway.IsValid() {
		l.t.Fatalf("netlab: LAN %s has a router already", private.prefix)
	}
	r := &Router{l.Host(name, upstream)}
	private.gateway = private.address()
	private.attach(r.ns, "lan0", private.gateway)
	l.forward(r.ns)
	l.iptables(r.ns, "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-j", "MASQUERADE")
	// Upstream may answer connections the private side opened, nothing
	// more: the private hosts are unreachable from outside, as behind a
	// real NAT.
	l.iptables(r.ns, "-A", "FORWARD", "-i", "eth0", "-o", "lan0",
		"-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP")
	return r
}

// Dial opens a connection from inside the host's namespace.
func (h *Host) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	var conn net.Conn
	err := h.inside(func() error {
		var d net.Dialer
		var err error
		conn, err = d.DialContext(ctx, network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s from %s: %w", address, h.name, err)
	}
	return conn, nil
}

// Listen opens a listener inside the host's namespace.
func (h *Host) Listen(network, address string) (net.Listener, error) {
	var ln net.Listener
	err := h.inside(func() error {
		var err error
		ln, err = net.Listen(network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", address, h.name, err)
	}
	return ln, nil
}

// inside runs fn on an OS thread moved into the host's namespace. Sockets
// belong to the namespace of the thread that creates them, and keep it
// wherever they are used from. The thread goes back to its own namespace
// afterwards; if it cannot, it stays locked to the goroutine, and the
// runtime discards it when the goroutine ends.
func (h *Host) inside(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		own, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			errc <- fmt.Errorf("open own namespace: %w", err)
			return
		}
		defer own.Close()
		target, err := os.Open("/var/run/netns/" + h.ns)
		if err != nil {
			errc <- fmt.Errorf("open namespace: %w", err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter namespace %s: %w", h.ns, err)
			return
		}
		err = fn()
		if unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Gateway routes between LANs without NAT, like the backbone joining an
// organisation's sites. Cutting it splits the network into its LANs.
type Gateway struct {
	lab   *Lab
	ns    string
	ports map[*LAN]string
}

// Gateway creates a gateway with the first address of each LAN, which
// becomes the default route of hosts created on them afterwards.
func (l *Lab) Gateway(name string, lans ...*LAN) *Gateway {
	l.t.Helper()
	g := &Gateway{lab: l, ns: l.namespace(name), ports: make(map[*LAN]string)}
	for i, lan := range lans {
		if lan.gateway.IsValid() {
			l.t.Fatalf("netlab: LAN %s has a router already", lan.prefix)
		}
		lan.gateway = lan.address()
		g.ports[lan] = lan.attach(g.ns, fmt.Sprintf("eth%d", i), lan.gateway)
	}
	l.forward(g.ns)
	return g
}

// Cut takes the gateway off every LAN: each LAN is on its own until
// Restore.
func (g *Gateway) Cut() { g.set("down") }

// Restore reconnects the LANs.
func (g *Gateway) Restore() { g.set("up") }

func (g *Gateway) set(state string) {
	g.lab.t.Helper()
	for lan, port := range g.ports {
		g.lab.run("ip", "-n", lan.ns, "link", "set", port, state)
	}
}

// forward turns on IPv4 forwarding in a namespace (the setting is per
// namespace; writing it needs no sysctl binary).
func (l *Lab) forward(ns string) {
	l.t.Helper()
	l.run("ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
}

// iptables adds a rule in a namespace with iptables, or with
// iptables-legacy where the kernel lacks nf_tables.
func (l *Lab) iptables(ns string, args ...string) {
	l.t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns, "iptables"}, args...)...).CombinedOutput()
	if err == nil {
		return
	}
	if _, lerr := exec.LookPath("iptables-legacy"); lerr == nil {
		legacy, lerr := exec.Command("ip", append([]string{"netns", "exec", ns, "iptables-legacy"}, args...)...).CombinedOutput()
		if lerr == nil {
			return
		}
		out = append(out, legacy...)
	}
	l.t.Fatalf("netlab: iptables %s in %s: %v: %s", strings.Join(args, " "), ns, err, bytes.TrimSpace(out))
}
