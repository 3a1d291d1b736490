package ui_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// TestTwoNodesOneBrowser: a browser keeps one cookie jar per host name
// whatever the port (as net/http/cookiejar does), so two nodes' UIs on one
// machine (kith demo, a second home) must not share cookie names: logged
// in to both, the browser stays logged in to both.
func TestTwoNodesOneBrowser(t *testing.T) {
	a, b := startNode(t), startNode(t)
	jar, err := cookiejar.New(nil)
	must(t, err)
	browser := &http.Client{Jar: jar}
	for _, n := range []string{a.UILoginURL(), b.UILoginURL()} {
		resp, err := browser.Get(n)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login %s: %s", n, resp.Status)
		}
	}
	for name, base := range map[string]string{"first": uiBase(a), "second": uiBase(b)} {
		resp, err := browser.Get(base + "/")
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "Not logged in") {
			t.Errorf("the %s node's UI after logging in to both: %s", name, resp.Status)
		}
	}
}
