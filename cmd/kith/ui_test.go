package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestUILoginLinks: the daemon prints a login link at start, `kith ui
// --no-open` prints a fresh one; each logs a browser in once, then never
// again.
func TestUILoginLinks(t *testing.T) {
	d := startDaemon(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(link string) *http.Response {
		t.Helper()
		resp, err := noRedirect.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	printed := regexp.MustCompile(`UI: +(http://\S+)`).FindStringSubmatch(d.logs())
	if printed == nil {
		t.Fatalf("the daemon printed no UI link:\n%s", d.logs())
	}
	fresh := strings.TrimSpace(d.mustRun(t, "ui", "--no-open"))
	if !strings.HasPrefix(fresh, "http://127.0.0.1:") || fresh == printed[1] {
		t.Fatalf("kith ui printed %q (the daemon's: %q)", fresh, printed[1])
	}
	scripted := decode[struct {
		URL string `json:"url"`
	}](t, d.mustRun(t, "ui", "--json")).URL
	if !strings.HasPrefix(scripted, "http://127.0.0.1:") || scripted == fresh {
		t.Fatalf("kith ui --json: %q", scripted)
	}
	for _, link := range []string{printed[1], fresh, scripted} {
		first := get(link)
		if first.StatusCode != http.StatusSeeOther || len(first.Cookies()) != 1 || !first.Cookies()[0].HttpOnly ||
			first.Cookies()[0].SameSite != http.SameSiteStrictMode {
			t.Errorf("first use of %s: %s, cookies %v", link, first.Status, first.Cookies())
		}
		if again := get(link); again.StatusCode != http.StatusUnauthorized || len(again.Cookies()) != 0 {
			t.Errorf("second use of %s: %s, cookies %v", link, again.Status, again.Cookies())
		}
	}
}
