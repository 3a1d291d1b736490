package ui

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/kith-network/kith/protocol"
)

// Two layers, because the text came from anyone: goldmark renders
// Markdown without passing raw HTML through (it shows it as the text it
// is, escaped: rawAsText) and drops dangerous link schemes; bluemonday
// then keeps only the elements and attributes of its user-generated-content
// policy, so that a gap in either layer alone does not let markup through.
var (
	markdown = goldmark.New(
		// GFM, with table columns aligned by attribute: the style
		// attribute goldmark writes by default is dropped by the
		// sanitiser and refused by the pages' content policy.
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.TaskList,
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute))),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(pageFit{}, 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawAsText{}, 100))))
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

// pageFit fits a record's Markdown into the page around it: its headings
// go one level down, so that the page's title stays its one h1 and the
// outline has no gap; and a picture from another site, which the page's
// content policy does not load (it would show as broken), becomes a link
// to it, named by its description.
type pageFit struct{}

// Transform implements parser.ASTTransformer.
func (pageFit) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var remote []*ast.Image
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			n.Level = min(n.Level+1, 6)
		case *ast.Image:
			if d := n.Destination; !bytes.HasPrefix(d, []byte("/")) || bytes.HasPrefix(d, []byte("//")) {
				remote = append(remote, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, img := range remote {
		link := ast.NewLink()
		link.Destination, link.Title = img.Destination, img.Title
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if !link.HasChildren() {
			link.AppendChild(link, ast.NewString(img.Destination))
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
}

// rawAsText renders what Markdown reads as raw HTML as the text it is,
// escaped: "Vec<String>", "a<b and c>d" and "the <video> tag" are words
// of a technical community, which goldmark's default (a comment in their
// place) silently dropped. It takes over from goldmark's renderer for
// those two kinds of node (a lower priority value wins).
type rawAsText struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (rawAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := range segs.Len() {
				seg := segs.At(i)
				template.HTMLEscape(w, seg.Value(source))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		w.WriteString("<p>")
		lines := b.Lines()
		for i := range lines.Len() {
			line := lines.At(i)
			template.HTMLEscape(w, bytes.TrimRight(line.Value(source), "\n"))
			if i < lines.Len()-1 || b.HasClosure() {
				w.WriteString("<br>\n")
			}
		}
		if b.HasClosure() {
			closure := b.ClosureLine
			template.HTMLEscape(w, bytes.TrimRight(closure.Value(source), "\n"))
		}
		w.WriteString("</p>\n")
		return ast.WalkSkipChildren, nil
	})
}

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
