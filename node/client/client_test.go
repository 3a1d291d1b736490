package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kith-network/kith/node/api"
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

// TestRefusesTextNotUTF8: text that is not UTF-8 (a Latin-1 file) is
// refused before it is sent, naming the field: JSON encoding would have
// replaced each bad byte with U+FFFD and the daemon signed the damage.
func TestRefusesTextNotUTF8(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string // "" when it is fine
	}{
		{api.PostRequest{Title: "Café", Body: "naïve résumé ✓"}, ""},
		{api.PostRequest{Title: "ok", Body: "Caf\xe9 na\xefve"}, "the body field is not UTF-8 text (byte 0xe9 at offset 3)"},
		{&api.PostRequest{Title: "Caf\xe9"}, "the title field is not UTF-8 text (byte 0xe9 at offset 3)"},
		{api.EditRequest{Tags: []string{"ok", "r\xe9seau"}}, "the tags field is not UTF-8"},
		{map[string]string{"reason": "\xff"}, "the text is not UTF-8 text (byte 0xff at offset 0)"},
		{api.EventRequest{Title: "Meet-up", Files: []api.File{{Name: "notes.txt"}}}, ""},
		{api.EventRequest{Files: []api.File{{Name: "r\xe9sum\xe9.txt"}}}, "the name field is not UTF-8"},
	} {
		err := checkUTF8(c.in)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
	for _, s := range []string{"", "plain", "Caf\xe9", "\xff", "ok\xe2\x82", "é\x80", "\xed\xa0\x80"} {
		if got, want := api.NotUTF8(s) >= 0, !utf8.ValidString(s); got != want {
			t.Errorf("NotUTF8(%q) = %d, valid %v", s, api.NotUTF8(s), !want)
		}
	}
}
