package node

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/home"
)

// TestStickyPorts: a node configured with port 0 listens on the same
// ports after a restart, and on fresh ones when its old TCP port is
// taken meanwhile.
func TestStickyPorts(t *testing.T) {
	dir := t.TempDir()
	start := func() (*Node, string) {
		t.Helper()
		n, err := Start(context.Background(), Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range n.Addrs() {
			if strings.Contains(a, "/tcp/") {
				return n, a
			}
		}
		t.Fatalf("no TCP address in %v", n.Addrs())
		return nil, ""
	}
	n, first := start()
	n.Close()
	n, second := start()
	if second != first {
		t.Errorf("after a restart %s, before %s", second, first)
	}
	port := strings.Split(strings.Split(first, "/tcp/")[1], "/")[0]
	n.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("take the port: %v", err)
	}
	defer ln.Close()
	n, third := start()
	defer n.Close()
	if third == first {
		t.Errorf("listening on %s, which another program holds", third)
	}
}
