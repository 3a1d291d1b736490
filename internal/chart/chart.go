// Package chart draws small SVG charts on the server: line charts of
// several series and bar charts, with axes, ticks and a legend, and no
// script. The benchmark reports use it, and so can the web UI. Every text
// that goes into a chart is escaped: series names may come from anyone.
package chart

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
)

// Point is one sample of a series.
type Point struct{ X, Y float64 }

// Series is one line of a line chart.
type Series struct {
	Name   string
	Points []Point
}

// Chart is what both kinds of chart share.
type Chart struct {
	Title  string
	XLabel string
	YLabel string
	Width  int // pixels; 640 if zero
	Height int // pixels; 320 if zero
	// Counts says the values are counts (members, records): the y axis
	// has ticks at whole numbers only, never "0.5 members".
	Counts bool
	// XTick labels an x tick of a line chart (a date for a week's index);
	// nil prints the number.
	XTick func(x float64) string
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
}

// Geometry of the plot area inside the SVG.
const (
	marginLeft   = 64
	marginRight  = 16
	marginTop    = 32
	marginBottom = 48
	legendRow    = 14
)

// palette colours series in turn; it repeats past its end.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func (c Chart) size() (w, h int) {
	w, h = c.Width, c.Height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 320
	}
	return w, h
}

// Lines draws a line chart. Series with no points are left out; with
// many series, only the first ten are named in the legend.
func (c Chart) Lines(series []Series) []byte {
	w, h := c.size()
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), 0.0, math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			x0, x1 = math.Min(x0, p.X), math.Max(x1, p.X)
			y0, y1 = math.Min(y0, p.Y), math.Max(y1, p.Y)
		}
	}
	var b bytes.Buffer
	c.open(&b, w, h)
	if math.IsInf(x0, 1) {
		c.empty(&b, w, h)
		return c.close(&b)
	}
	sx, sy := c.axes(&b, w, h, x0, x1, y0, y1, true)
	named := 0
	for i, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		colour := palette[i%len(palette)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="`, colour)
		for j, p := range s.Points {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", sx(p.X), sy(p.Y))
		}
		b.WriteString("\"/>\n")
		if named < 10 && s.Name != "" {
			y := marginTop + 4 + named*legendRow
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="3" fill="%s"/>`, w-marginRight-120, y+4, colour)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`+"\n", w-marginRight-106, y+9, html.EscapeString(s.Name))
			named++
		}
	}
	return c.close(&b)
}

// Bars draws a bar chart, bars left to right in the order given.
func (c Chart) Bars(bars []Bar) []byte {
	w, h := c.size()
	var b bytes.Buffer
	c.open(&b, w, h)
	if len(bars) == 0 {
		c.empty(&b, w, h)
		return c.close(&b)
	}
	top := 0.0
	for _, bar := range bars {
		top = math.Max(top, bar.Value)
	}
	_, sy := c.axes(&b, w, h, 0, 1, 0, top, false)
	plotW := float64(w - marginLeft - marginRight)
	slot := plotW / float64(len(bars))
	labelEvery := max(1, len(bars)/12)
	for i, bar := range bars {
		x := float64(marginLeft) + float64(i)*slot
		y := sy(bar.Value)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n",
			x+slot*0.1, y, slot*0.8, float64(h-marginBottom)-y, palette[0])
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>`+"\n",
				x+slot/2, h-marginBottom+14, html.EscapeString(bar.Label))
		}
	}
	return c.close(&b)
}

func (c Chart) open(b *bytes.Buffer, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", w, h, w, h)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(b, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", marginLeft, html.EscapeString(c.Title))
}

func (c Chart) close(b *bytes.Buffer) []byte {
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func (c Chart) empty(b *bytes.Buffer, w, h int) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" text-anchor="middle">no data</text>`+"\n", w/2, h/2)
}

// axes draws the axes with ticks and labels for the ranges given (x ticks
// only if xTicks: bars label themselves), and returns the functions that
// place a value on each.
func (c Chart) axes(b *bytes.Buffer, w, h int, x0, x1, y0, y1 float64, xTicks bool) (sx, sy func(float64) float64) {
	if x1 <= x0 {
		x1 = x0 + 1
	}
	step := niceCeil((y1 - y0) / 4)
	if c.Counts {
		step = math.Max(1, math.Round(step))
	}
	y1 = y0 + math.Max(1, math.Ceil((y1-y0)/step-1e-9))*step
	left, right := float64(marginLeft), float64(w-marginRight)
	top, bottom := float64(marginTop), float64(h-marginBottom)
	sx = func(x float64) float64 { return left + (x-x0)/(x1-x0)*(right-left) }
	sy = func(y float64) float64 { return bottom - (y-y0)/(y1-y0)*(bottom-top) }
	fmt.Fprintf(b, `<path d="M%.0f %.0f V%.0f H%.0f" fill="none" stroke="black"/>`+"\n", left, top, bottom, right)
	for i := range int(math.Round((y1-y0)/step)) + 1 {
		y := y0 + float64(i)*step
		fmt.Fprintf(b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, left, right, sy(y), sy(y))
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" font-size="10" text-anchor="end">%s</text>`+"\n", left-4, sy(y)+3, number(y))
	}
	last := math.NaN()
	for i := 0; xTicks && i <= 4; i++ {
		x := x0 + (x1-x0)*float64(i)/4
		label := number(x)
		if c.XTick != nil {
			// What XTick labels is whole (a week): the tick goes on it,
			// once.
			if x = math.Round(x); x == last {
				continue
			}
			if x == 0 {
				x = 0 // not -0
			}
			last, label = x, c.XTick(x)
		}
		// A label at the right end ends at its tick: centred, a date there
		// ran past the chart's edge. (The last tick may be one merged into
		// the one before it: it is the one at the end then.)
		anchor := "middle"
		if sx(x) >= right-0.5 {
			anchor = "end"
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="%s">%s</text>`+"\n", sx(x), bottom+14, anchor, html.EscapeString(label))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%d" font-size="11" text-anchor="middle">%s</text>`+"\n", (left+right)/2, h-8, html.EscapeString(c.XLabel))
	fmt.Fprintf(b, `<text x="14" y="%.0f" font-size="11" text-anchor="middle" transform="rotate(-90 14 %.0f)">%s</text>`+"\n",
		(top+bottom)/2, (top+bottom)/2, html.EscapeString(c.YLabel))
	return sx, sy
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// number prints a tick value briefly.
func number(v float64) string {
	switch a := math.Abs(v); {
	case a < 1e-6:
		return "0"
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', -1, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(math.Round(v/1e5)/10, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(math.Round(v/1e2)/10, 'f', -1, 64) + "k"
	case a >= 10 || a == 0:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
