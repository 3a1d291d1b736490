package netlab

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLab builds an organisation's LAN behind a NAT router on a public
// segment and checks what a real one would do: hosts on one LAN reach
// each other, the private side reaches the public side from the router's
// address, the public side cannot open a connection inward, a cut host is
// unreachable until restored, and nothing is left when the test ends.
func TestLab(t *testing.T) {
	var labName string
	t.Run("topology", func(t *testing.T) {
		l := New(t)
		labName = l.name
		public := l.LAN("pub", "11.0.0.0/24")
		office := l.LAN("org", "10.1.0.0/24")
		anchor := l.Host("anchor", public)
		router := l.Router("nat", public, office)
		alice := l.Host("alice", office)
		bob := l.Host("bob", office)
		if got, want := alice.Addr(), netip.MustParseAddr("10.1.0.2"); got != want {
			t.Errorf("alice's address is %s, want %s (the router has .1)", got, want)
		}

		ctx := context.Background()
		anchorAddr := serve(t, anchor)
		bobAddr := serve(t, bob)

		// Out through the NAT: the anchor sees the router's address.
		if got := echo(t, ctx, alice, anchorAddr); got != router.Addr().String() {
			t.Errorf("anchor saw alice's connection from %s, want the router's %s", got, router.Addr())
		}
		// Inside the LAN: direct.
		if got := echo(t, ctx, alice, bobAddr); got != alice.Addr().String() {
			t.Errorf("bob saw alice's connection from %s, want %s", got, alice.Addr())
		}
		// Inward through the NAT: refused, even with a route to the LAN.
		l.run("ip", "-n", anchor.ns, "route", "add", office.prefix.String(), "via", router.Addr().String())
		if err := tryDial(ctx, anchor, bobAddr); err == nil {
			t.Error("the anchor opened a connection to a host behind the NAT")
		}
		// A cut host is off the network until restored.
		alice.Cut()
		if err := tryDial(ctx, alice, bobAddr); err == nil {
			t.Error("a cut host still reaches its LAN")
		}
		alice.Restore()
		if got := echo(t, ctx, alice, bobAddr); got != alice.Addr().String() {
			t.Errorf("after restore, bob saw %s", got)
		}
	})
	if labName == "" {
		return // skipped
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), labName) {
		t.Errorf("namespaces left behind:\n%s", out)
	}
}

// serve listens on port 7000 of h and writes back to every connection the
// address it came from.
func serve(t *testing.T, h *Host) string {
	t.Helper()
	ln, err := h.Listen("tcp", net.JoinHostPort(h.Addr().String(), "7000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			io.WriteString(c, host)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// echo connects from h to addr and returns the address the server saw.
func echo(t *testing.T, ctx context.Context, h *Host, addr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := h.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tryDial reports whether h can open a connection to addr within a second.
func tryDial(ctx context.Context, h *Host, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := h.Dial(ctx, "tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}
