package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/home"
)

// TestDaemonGoneMidRequest: a daemon that takes a request and then goes
// (stopped, crashed) is said to have closed the connection, with what to
// look at, not "EOF".
func TestDaemonGoneMidRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	for name, content := range map[string]string{home.APIAddrFile: strings.TrimPrefix(srv.URL, "http://"), home.APITokenFile: "token"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := New(home.Home{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Join(context.Background(), "code")
	if err == nil || !strings.Contains(err.Error(), "the daemon closed the connection before answering: did it stop?") {
		t.Errorf("a daemon gone mid-request: %v", err)
	}
}
