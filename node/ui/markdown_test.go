package ui

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"# Title\n\nSome *emphasis*.", "<h1"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>"},
		{"[site](https://example.org)", `rel="nofollow noreferrer noopener"`},
		{"~~old~~", "<del>old</del>"},
	} {
		if got := string(Markdown(c.in)); !strings.Contains(got, c.want) {
			t.Errorf("Markdown(%q) = %q, want it to contain %q", c.in, got, c.want)
		}
	}
	for _, in := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[click](javascript:alert(1))`,
		`[click](JaVaScRiPt:alert(1))`,
		`<a href="javascript:alert(1)">x</a>`,
		`<svg onload=alert(1)><circle/></svg>`,
		`<style>body{display:none}</style>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<div style="position:fixed;top:0">cover</div>`,
		"```\n</code></pre><script>alert(1)</script>\n```",
		`![x](javascript:alert(1))`,
		`<form action="/communities" method="post"><button>go</button></form>`,
		`<p onclick="alert(1)">click</p>`,
		`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	} {
		out := strings.ToLower(string(Markdown(in)))
		for _, bad := range []string{"<script", " onerror", " onload", " onclick", `="javascript:`, "<svg", "<style", "<iframe", "style=", "<form", `="data:`} {
			if strings.Contains(out, bad) {
				t.Errorf("Markdown(%q) = %q: contains %q", in, out, bad)
			}
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	f.Add("# t\n\n<script>x</script> [a](javascript:b) **c**")
	f.Fuzz(func(t *testing.T, in string) {
		out := strings.ToLower(string(Markdown(in)))
		for _, bad := range []string{"<script", `="javascript:`, "<iframe", "<style", " onerror=", `="data:`} {
			if strings.Contains(out, bad) {
				t.Fatalf("Markdown(%q) = %q: contains %q", in, out, bad)
			}
		}
	})
}
