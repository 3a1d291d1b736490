package chart

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// wellFormed fails the test unless svg parses as XML.
func wellFormed(t *testing.T, svg []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
}

func TestLines(t *testing.T) {
	svg := Chart{Title: "RSS <per> node", XLabel: "s", YLabel: "MB"}.Lines([]Series{
		{Name: "node 1 & co", Points: []Point{{0, 10}, {10, 12}, {20, 11}}},
		{Name: "empty"},
		{Name: "<script>alert(1)</script>", Points: []Point{{0, 30}, {20, 31}}},
	})
	wellFormed(t, svg)
	s := string(svg)
	if strings.Count(s, "<polyline") != 2 {
		t.Errorf("want 2 lines:\n%s", s)
	}
	if strings.Contains(s, "<script>") || !strings.Contains(s, "&lt;script&gt;") {
		t.Error("a series name was not escaped")
	}
	if !strings.Contains(s, "RSS &lt;per&gt; node") {
		t.Error("title missing or unescaped")
	}
}

func TestBarsAndEmpty(t *testing.T) {
	svg := Chart{Title: "latency"}.Bars([]Bar{{"1ms", 5}, {"2ms", 50}, {"5ms", 3}})
	wellFormed(t, svg)
	if n := strings.Count(string(svg), `fill="#1f77b4"`); n != 3 {
		t.Errorf("%d bars, want 3", n)
	}
	if strings.Contains(string(svg), ">0.25<") {
		t.Error("a bar chart has numeric x ticks over its bar labels")
	}
	for _, svg := range [][]byte{Chart{}.Bars(nil), Chart{}.Lines(nil), Chart{}.Lines([]Series{{Name: "x"}})} {
		wellFormed(t, svg)
		if !strings.Contains(string(svg), "no data") {
			t.Errorf("empty chart does not say so:\n%s", svg)
		}
	}
}

// TestTicks: counts get whole-number ticks only, the y axis ends on a
// tick at or above the largest value, and XTick labels the x ticks,
// escaped.
func TestTicks(t *testing.T) {
	yTicks := func(svg []byte) []string {
		var out []string
		for _, m := range regexp.MustCompile(`text-anchor="end">([^<]*)<`).FindAllSubmatch(svg, -1) {
			out = append(out, string(m[1]))
		}
		return out
	}
	members := Chart{Counts: true}.Bars([]Bar{{"core", 1}, {"active", 2}})
	if got := strings.Join(yTicks(members), " "); got != "0 1 2" {
		t.Errorf("y ticks of counts up to 2: %q, want 0 1 2", got)
	}
	if got := strings.Join(yTicks(Chart{}.Bars([]Bar{{"a", 2}})), " "); got != "0 0.5 1 1.5 2" {
		t.Errorf("y ticks of measures up to 2: %q", got)
	}
	if got := strings.Join(yTicks(Chart{Counts: true}.Bars([]Bar{{"a", 130}})), " "); got != "0 50 100 150" {
		t.Errorf("y ticks up to 130: %q", got)
	}
	two := string(Chart{XTick: func(x float64) string { return fmt.Sprintf("w%v", x) }}.Lines([]Series{{Points: []Point{{-1, 1}, {0, 3}}}}))
	if strings.Count(two, ">w-1<") != 1 || strings.Count(two, ">w0<") != 1 || !strings.Contains(two, `text-anchor="end">w0<`) {
		t.Errorf("two weeks get one tick each, the last ending at the right edge:\n%s", two)
	}
	weeks := Chart{XTick: func(x float64) string { return fmt.Sprintf("<w%v>", x) }}.Lines([]Series{{Points: []Point{{-52, 1}, {0, 3}}}})
	wellFormed(t, weeks)
	if s := string(weeks); !strings.Contains(s, "&lt;w-52&gt;") || !strings.Contains(s, "&lt;w0&gt;") || strings.Contains(s, ">-52<") {
		t.Errorf("x ticks through XTick:\n%s", s)
	}
	// The last x label ends at its tick, inside the chart.
	if s := string(weeks); !strings.Contains(s, `text-anchor="end">&lt;w0&gt;`) || !strings.Contains(s, `text-anchor="middle">&lt;w-52&gt;`) {
		t.Errorf("the last x label is not drawn to end at its tick:\n%s", s)
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 3.67e-08: "0", 0.25: "0.25", 12: "12", 12345: "12.3k", 2.5e6: "2.5M"} {
		if got := number(in); got != want {
			t.Errorf("number(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.1: 2, 3: 5, 7: 10, 420: 500, 1e6 + 1: 2e6} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}
