package ui

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
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
)

// maxMarkdown bounds the text rendered as Markdown; longer text (records
// are far smaller) is shown as plain text.
const maxMarkdown = 1 << 20

// Markdown renders Markdown text as sanitised HTML, safe to put in a page.
// What cannot be rendered is shown as escaped text.
func Markdown(text string) template.HTML {
	if len(text) > maxMarkdown {
		return template.HTML("<pre>" + template.HTMLEscapeString(text) + "</pre>")
	}
	var b bytes.Buffer
	if err := markdown.Convert([]byte(text), &b); err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(text) + "</pre>")
	}
	return template.HTML(sanitise.SanitizeBytes(b.Bytes())) //nolint:gosec // sanitised just above
}
