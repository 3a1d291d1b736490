package ui

import (
	"net/http"
	"net/url"
	"testing"
)

// TestBackTo: a form's "back" is followed only when it is a path of this
// site; anything a browser could read as another site is not.
func TestBackTo(t *testing.T) {
	for back, want := range map[string]string{
		"/c/abc?cursor=x#top":  "/c/abc?cursor=x#top",
		"/t/ü":                 "/t/ü",
		"":                     "/home",
		"//evil.example":       "/home",
		"/\\evil.example":      "/home",
		"/\t/evil.example":     "/home",
		"/\n/evil.example":     "/home",
		"/\r\n/evil.example":   "/home",
		"/\x00/evil.example":   "/home",
		"/\x7f/evil.example":   "/home",
		"https://evil.example": "/home",
		"evil.example":         "/home",
	} {
		r := &http.Request{PostForm: url.Values{"back": {back}}}
		if got := backTo(r, "/home"); got != want {
			t.Errorf("backTo(%q) = %q, want %q", back, got, want)
		}
	}
}
