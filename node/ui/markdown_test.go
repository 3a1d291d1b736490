package ui

import (
	"fmt"
	"html/template"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMarkdown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Headings one level down: the page's title is its h1.
		{"# Title\n\nSome *emphasis*.", "<h2"},
		{"###### Smallest", "<h6"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>"},
		{"| name | count |\n|:--|--:|\n| x | 2 |", `<td align="right">2</td>`},
		// A picture from another site is a link to it; the node's own stay.
		{"![the board](https://example.org/board.png)", `<a href="https://example.org/board.png" rel="nofollow noreferrer noopener" target="_blank">the board</a>`},
		{"![](https://example.org/board.png)", `>https://example.org/board.png</a>`},
		{"![logo](/files/" + strings.Repeat("ab", 32) + ")", `<img src="/files/`},
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
		out := string(Markdown(in))
		if bad := activeMarkup(out); len(bad) > 0 {
			t.Errorf("Markdown(%q) = %q: %s", in, out, strings.Join(bad, "; "))
		}
	}
	// The check above sees markup when there is some.
	for _, active := range []string{`<p onclick="x">a</p>`, `<a href="javascript:x">a</a>`, `<script>x</script>`, `<b style='color:red'>a</b>`} {
		if len(activeMarkup(active)) == 0 {
			t.Errorf("activeMarkup(%q) found nothing", active)
		}
	}
	// Raw HTML is shown as the text it is, not dropped: in a technical
	// community "Vec<String>" is a word.
	for in, want := range map[string]string{
		"Use Vec<String> here":                   "Use Vec&lt;String&gt; here",
		"if a<b and c>d then":                    "if a&lt;b and c&gt;d then",
		"the <video> tag":                        "the &lt;video&gt; tag",
		"Be **kind**. <script>alert(1)</script>": "<strong>kind</strong>. &lt;script&gt;alert(1)&lt;/script&gt;",
		"<div>\nblock\n</div>\n\nafter":          "&lt;div&gt;<br>\nblock<br>\n&lt;/div&gt;</p>\n<p>after</p>",
	} {
		if got := string(Markdown(in)); !strings.Contains(got, want) {
			t.Errorf("Markdown(%q) = %q, want it to contain %q", in, got, want)
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	f.Add("# t\n\n<script>x</script> [a](javascript:b) **c**")
	f.Fuzz(func(t *testing.T, in string) {
		out := string(Markdown(in))
		if bad := activeMarkup(out); len(bad) > 0 {
			t.Fatalf("Markdown(%q) = %q: %s", in, out, strings.Join(bad, "; "))
		}
	})
}

var (
	markupTag  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	markupAttr = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
)

// activeMarkup lists what in rendered HTML could act or change the page:
// elements that run or style things, event handler and style attributes,
// script and data links. Text, escaped, may say anything ("&lt;script"),
// so only tags are read: sanitised output has no "<" in its text.
func activeMarkup(out string) []string {
	var bad []string
	for _, m := range markupTag.FindAllStringSubmatch(out, -1) {
		switch name := strings.ToLower(m[1]); name {
		case "script", "svg", "style", "iframe", "form", "h1", "object", "embed", "link", "meta":
			bad = append(bad, "element "+name)
		}
		for _, a := range markupAttr.FindAllStringSubmatch(m[2], -1) {
			key, val := strings.ToLower(a[1]), strings.ToLower(strings.Trim(a[2], `"'`))
			switch {
			case strings.HasPrefix(key, "on"), key == "style":
				bad = append(bad, "attribute "+key)
			case (key == "href" || key == "src" || key == "action") && (strings.HasPrefix(strings.TrimSpace(val), "javascript:") || strings.HasPrefix(strings.TrimSpace(val), "data:")):
				bad = append(bad, key+"="+val)
			}
		}
	}
	return bad
}

// hostileMarkdown are texts of a record's size on which goldmark's time
// grows with the square of the length (markdown_cost.go).
func hostileMarkdown() map[string]string {
	fill := func(unit string) string { return strings.Repeat(unit, 60000/len(unit)) }
	return map[string]string{
		"nested quotes":      fill(">"),
		"nested lists":       fill("- "),
		"lists in quotes":    fill("- > "),
		"ordered lists":      fill("1. "),
		"emphasis":           fill("_a*"),
		"emphasis per line":  fill("_a*\n"),
		"links":              fill("[a]("),
		"images":             fill("![a]("),
		"angle destinations": strings.Repeat("[a](<", 2000) + strings.Repeat("lorem ipsum ", 4000),
		"open brackets":      fill("[\n") + fill("]\n"),
		"parentheses":        fill("[a](b("),
		"nested by indent":   indentedMarkers("- "),
		"quotes by indent":   indentedMarkers("> "),
		"ordered by indent":  indentedMarkers("1. "),
		"lists by indent":    indentedList(1000),
	}
}

// indentedMarkers nests lists (or quotes) ever deeper by indentation, each
// line reaching under the deepest item of the line before with the most
// markers a line may open: over a thousand levels in 60,000 bytes.
func indentedMarkers(marker string) string {
	var b strings.Builder
	for i := 0; b.Len() < 60000; i++ {
		b.WriteString(strings.Repeat("\t", 4*i) + strings.Repeat(marker, maxNesting) + "a\n")
	}
	return b.String()
}

// ordinaryMarkdown is long, rich writing of a record's size.
func ordinaryMarkdown() map[string]string {
	var links strings.Builder
	for i := 0; links.Len() < 60000; i++ {
		fmt.Fprintf(&links, "- [resource %d](https://example.org/%d) _checked_\n", i, i)
	}
	var nested strings.Builder
	for nested.Len() < 60000 {
		for d := range 8 {
			nested.WriteString(strings.Repeat("  ", d) + "- **item** with `code` and *emphasis*\n")
		}
		nested.WriteString("\n> a quote\n> > inside a quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n")
	}
	var wide strings.Builder // four columns a level, and code with deep indentation
	for wide.Len() < 60000 {
		for d := range 8 {
			wide.WriteString(strings.Repeat("    ", d) + "1. step\n")
		}
		wide.WriteString("\n```yaml\n" + strings.Repeat(" ", 40) + "- deep: yaml\n```\n\n")
	}
	return map[string]string{"link list": links.String(), "nested writing": nested.String(), "four columns a level": wide.String()}
}

// TestCostlyMarkdownShownAsText: text that would take goldmark seconds is
// shown as escaped plain text, and long ordinary writing is still
// rendered.
func TestCostlyMarkdownShownAsText(t *testing.T) {
	for name, text := range hostileMarkdown() {
		if !costlyMarkdown(text) {
			t.Errorf("%s: not found costly", name)
		}
		if got := string(Markdown(text)); !strings.HasPrefix(got, `<pre class="as-text">`) {
			t.Errorf("%s: rendered as Markdown: %.80q", name, got)
		}
	}
	for name, text := range edgeMarkdown() {
		if costlyMarkdown(text) {
			t.Errorf("%s: found costly", name)
		}
	}
	for name, text := range ordinaryMarkdown() {
		if costlyMarkdown(text) {
			t.Errorf("%s: found costly", name)
		}
		if got := string(Markdown(text)); !strings.Contains(got, "<li>") || strings.Contains(got, "as-text") {
			t.Errorf("%s: not rendered as Markdown: %.80q", name, got)
		}
	}
	if got := string(Markdown("<b>&amp;</b>\n" + strings.Repeat(">", 100))); !strings.Contains(got, "&lt;b&gt;&amp;amp;") {
		t.Errorf("plain text not escaped: %.80q", got)
	}
}

func TestRenderCache(t *testing.T) {
	c := newRenderCache(1000)
	c.put("a", "<p>a</p>")
	if h, ok := c.get("a"); !ok || h != "<p>a</p>" {
		t.Fatalf("get a = %q, %v", h, ok)
	}
	c.put("huge", template.HTML(strings.Repeat("x", 200)))
	if _, ok := c.get("huge"); ok {
		t.Error("an entry over an eighth of the budget was kept")
	}
	for i := range 100 {
		c.put(fmt.Sprint(i), template.HTML(strings.Repeat("y", 50)))
	}
	if c.size > c.budget || c.order.Len() != len(c.byInput) {
		t.Errorf("size %d of %d, %d in order, %d in map", c.size, c.budget, c.order.Len(), len(c.byInput))
	}
	if _, ok := c.get("a"); ok {
		t.Error("the least recently used entry was kept")
	}
	if _, ok := c.get("99"); !ok {
		t.Error("the most recent entry was dropped")
	}
}

// edgeMarkdown are texts of a record's size just inside what
// costlyMarkdown lets through: the most a record can cost to render.
func edgeMarkdown() map[string]string {
	pad := func(s string) string { return s + strings.Repeat("lorem ipsum ", (60000-len(s))/12) }
	return map[string]string{
		"emphasis, inside the budget":      pad(strings.Repeat("_a*", 2450)),
		"brackets, inside the budget":      pad(strings.Repeat("[\n", 2000)),
		"angle, inside the budget":         strings.Repeat("[a](<", 80) + strings.Repeat("lorem ipsum ", 4900),
		"quotes, deepest allowed":          strings.Repeat(strings.Repeat("> ", maxNesting)+"a\n", 60000/(2*maxNesting+2)),
		"lists, deepest allowed":           strings.Repeat(strings.Repeat("- ", maxNesting)+"a\n", 60000/(2*maxNesting+2)),
		"lists by indent, deepest allowed": indentedList(4*maxNesting/2 - 1),
	}
}

// indentedList nests list items by two columns of indentation a level,
// to depth levels, again and again to 60,000 bytes (as deep as that
// allows, about 245 levels, for a large depth).
func indentedList(depth int) string {
	var b strings.Builder
	for i := 0; b.Len() < 60000; i = (i + 1) % depth {
		b.WriteString(strings.Repeat("  ", i) + "- a\n")
	}
	return b.String()
}

// BenchmarkMarkdown renders long ordinary writing, then the hostile texts
// and those just inside the guard (each time anew, past the cache), and
// reports the slowest one's time over the ordinary one's: rendering should
// cost about what the text is long, whatever it holds.
func BenchmarkMarkdown(b *testing.B) {
	ordinary := ordinaryMarkdown()["nested writing"]
	var plain, worst time.Duration
	var worstName string
	hostile := hostileMarkdown()
	maps.Copy(hostile, edgeMarkdown())
	for b.Loop() {
		start := time.Now()
		renderMarkdown(ordinary)
		plain += time.Since(start)
		for name, text := range hostile {
			start := time.Now()
			renderMarkdown(text)
			if d := time.Since(start); d > worst {
				worst, worstName = d, name
			}
		}
	}
	b.ReportMetric(float64(plain.Microseconds())/float64(b.N), "ordinary-µs")
	b.ReportMetric(float64(worst.Microseconds()), "worst-µs")
	b.ReportMetric(float64(worst)/(float64(plain)/float64(b.N)), "worst-ratio")
	b.Logf("slowest: %s", worstName)
}
