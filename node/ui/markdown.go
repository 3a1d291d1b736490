package ui

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/kith-network/kith/protocol"
)

// Two layers, because the text came from anyone: goldmark renders
// Markdown without passing raw HTML through (it writes a comment in its
// place) and drops dangerous link schemes; bluemonday then keeps only the
// elements and attributes of its user-generated-content policy, so that a
// gap in either layer alone does not let markup through.
var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))
	sanitise = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
	// rendered keeps recent results: records never change, and a page is
	// rendered again for every visitor and every live refresh.
	rendered = newRenderCache(4 << 20)
)

// maxMarkdown bounds the text rendered as Markdown: a record's whole
// body. Longer text is shown as plain text.
const maxMarkdown = protocol.MaxBodyBytes

// Markdown renders Markdown text as sanitised HTML, safe to put in a page.
// Text that cannot be rendered, or would cost far more than its length to
// render (costlyMarkdown), is shown as escaped plain text.
func Markdown(text string) template.HTML {
	if h, ok := rendered.get(text); ok {
		return h
	}
	h := renderMarkdown(text)
	rendered.put(text, h)
	return h
}

func renderMarkdown(text string) template.HTML {
	if len(text) > maxMarkdown || costlyMarkdown(text) {
		return asText(text)
	}
	var b bytes.Buffer
	if err := markdown.Convert([]byte(text), &b); err != nil {
		return asText(text)
	}
	return template.HTML(sanitise.SanitizeBytes(b.Bytes())) //nolint:gosec // sanitised just above
}

// asText shows text as it was written, escaped.
func asText(text string) template.HTML {
	return template.HTML(`<pre class="as-text">` + template.HTMLEscapeString(text) + "</pre>")
}
