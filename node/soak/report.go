package soak

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/kith-network/kith/internal/chart"
)

// percentiles returns the 50th and 99th percentiles and the maximum.
func percentiles(ds []time.Duration) (p50, p99, maxd time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p int) time.Duration { return s[min(len(s)-1, (len(s)*p+99)/100-1)] }
	return at(50), at(99), s[len(s)-1]
}

// Share is the share of live deliveries, 0 to 1.
func (r *Result) Share() float64 {
	if r.ExpectedLive == 0 {
		return 0
	}
	return float64(r.DeliveredLive) / float64(r.ExpectedLive)
}

// Growth compares each node's footprint late in the run with early on
// (after the first fifth, once caches have filled): the largest increase
// over all nodes that ran throughout.
type Growth struct {
	RSSRatio   float64 // late RSS / early RSS
	Goroutines int     // late - early
	OpenFiles  int     // late - early
	HeapRatio  float64 // late heap / early heap
}

// Growth measures it from the samples, over the nodes never stopped.
func (r *Result) Growth() Growth {
	var g Growth
	byNode := make(map[int][]Sample)
	for _, s := range r.Samples {
		byNode[s.Node] = append(byNode[s.Node], s)
	}
	for i, ss := range byNode {
		if i >= r.Config.Nodes-r.Config.Away || len(ss) < 5 {
			continue // stopped midway, or too short a run to say
		}
		early, late := ss[len(ss)/5], ss[len(ss)-1]
		g.RSSRatio = math.Max(g.RSSRatio, ratio(late.RSSBytes, early.RSSBytes))
		g.HeapRatio = math.Max(g.HeapRatio, ratio(late.HeapBytes, early.HeapBytes))
		g.Goroutines = max(g.Goroutines, late.Goroutines-early.Goroutines)
		g.OpenFiles = max(g.OpenFiles, late.OpenFiles-early.OpenFiles)
	}
	return g
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteReport writes report.md and its SVG charts into dir.
func (r *Result) WriteReport(dir string, when time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	charts := map[string][]byte{
		"latency.svg":    r.latencyChart(),
		"memory.svg":     r.footprintChart("Resident memory per node", "MB", func(s Sample) float64 { return float64(s.RSSBytes) / 1e6 }),
		"goroutines.svg": r.footprintChart("Goroutines per node", "goroutines", func(s Sample) float64 { return float64(s.Goroutines) }),
		"files.svg":      r.footprintChart("Open files per node", "file descriptors", func(s Sample) float64 { return float64(s.OpenFiles) }),
		"catchup.svg":    r.catchUpChart(),
	}
	for name, svg := range charts {
		if err := os.WriteFile(filepath.Join(dir, name), svg, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), r.markdown(when), 0o644)
}

func (r *Result) markdown(when time.Time) []byte {
	var b bytes.Buffer
	c := r.Config
	g := r.Growth()
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Soak: %d nodes for %v\n\n", c.Nodes, c.Duration)
	fmt.Fprintf(&b, "Written by `kith bench soak` on %s, on %s (%d CPUs, %s/%s). ", when.UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "%d `kith daemon --loopback` processes in one community; a post every %v from a random running node; ",
		c.Nodes, time.Duration(float64(time.Second)/c.Rate).Round(time.Millisecond))
	fmt.Fprintf(&b, "each node's footprint sampled every %v; %d nodes stopped at %v for %v.\n\n", c.Sample, c.Away, r.AwayFrom.Round(time.Second), c.AwayFor)
	fmt.Fprintf(&b, "| measure | result |\n|---|---|\n")
	fmt.Fprintf(&b, "| posts | %d |\n", r.Posts)
	fmt.Fprintf(&b, "| delivered live (by gossip, to nodes running at the time) | %d of %d (%.2f%%) |\n", r.DeliveredLive, r.ExpectedLive, 100*r.Share())
	fmt.Fprintf(&b, "| publish to stored, live | p50 %v, p99 %v, max %v |\n", r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond))
	fmt.Fprintf(&b, "| every node holds every post (one digest) | %v, %v after the last post |\n", r.Complete, r.CompleteAfter.Round(time.Millisecond))
	fmt.Fprintf(&b, "| nodes stopped midway caught up | in %v after restarting |\n", r.CaughtUpIn.Round(time.Millisecond))
	fmt.Fprintf(&b, "| footprint at the end, median (max) over nodes | %s |\n", r.endFootprint())
	fmt.Fprintf(&b, "| growth, early to late, worst node | RSS x%.2f, heap x%.2f, goroutines %+d, open files %+d |\n", g.RSSRatio, g.HeapRatio, g.Goroutines, g.OpenFiles)
	if len(r.StopFailures) > 0 {
		fmt.Fprintf(&b, "| daemons that did not stop cleanly | %v |\n", r.StopFailures)
	}
	b.WriteString("\n![latency](latency.svg)\n\n![memory](memory.svg)\n\n![goroutines](goroutines.svg)\n\n![open files](files.svg)\n\n![catch-up](catchup.svg)\n")
	return b.Bytes()
}

// latencyChart is the distribution of live publish-to-stored latencies,
// in buckets doubling from 1 ms.
func (r *Result) latencyChart() []byte {
	var bars []chart.Bar
	edge := time.Millisecond
	counts := make(map[time.Duration]int)
	var edges []time.Duration
	for _, l := range r.Latencies {
		e := time.Millisecond
		for e < l {
			e *= 2
		}
		counts[e]++
	}
	for {
		edges = append(edges, edge)
		if edge >= r.Max {
			break
		}
		edge *= 2
	}
	for _, e := range edges {
		bars = append(bars, chart.Bar{Label: "≤" + e.String(), Value: float64(counts[e])})
	}
	return chart.Chart{Title: "Publish to stored, live deliveries", XLabel: "latency", YLabel: "deliveries"}.Bars(bars)
}

func (r *Result) footprintChart(title, unit string, value func(Sample) float64) []byte {
	byNode := make(map[int][]chart.Point)
	for _, s := range r.Samples {
		byNode[s.Node] = append(byNode[s.Node], chart.Point{X: s.At.Minutes(), Y: value(s)})
	}
	var series []chart.Series
	for i := range r.Config.Nodes {
		series = append(series, chart.Series{Name: fmt.Sprintf("node %d", i), Points: byNode[i]})
	}
	return chart.Chart{Title: title, XLabel: "minutes", YLabel: unit}.Lines(series)
}

func (r *Result) catchUpChart() []byte {
	var series []chart.Series
	for i := range r.Config.Nodes {
		pts := r.Missing[i]
		if len(pts) == 0 {
			continue
		}
		s := chart.Series{Name: fmt.Sprintf("node %d", i)}
		for _, p := range pts {
			s.Points = append(s.Points, chart.Point{X: p.At.Seconds(), Y: float64(p.Missing)})
		}
		series = append(series, s)
	}
	return chart.Chart{Title: "Records missing after restart, nodes stopped midway", XLabel: "seconds after restart", YLabel: "records missing"}.Lines(series)
}

// endFootprint describes the last sample of every node: median and
// maximum of each measure.
func (r *Result) endFootprint() string {
	last := make(map[int]Sample)
	for _, s := range r.Samples {
		last[s.Node] = s
	}
	var rss, heap, gor, files []float64
	for _, s := range last {
		rss = append(rss, float64(s.RSSBytes)/1e6)
		heap = append(heap, float64(s.HeapBytes)/1e6)
		gor = append(gor, float64(s.Goroutines))
		files = append(files, float64(s.OpenFiles))
	}
	mm := func(xs []float64) (float64, float64) {
		if len(xs) == 0 {
			return 0, 0
		}
		slices.Sort(xs)
		return xs[len(xs)/2], xs[len(xs)-1]
	}
	r1, r2 := mm(rss)
	h1, h2 := mm(heap)
	g1, g2 := mm(gor)
	f1, f2 := mm(files)
	return fmt.Sprintf("RSS %.0f MB (%.0f), heap %.0f MB (%.0f), goroutines %.0f (%.0f), open files %.0f (%.0f)", r1, r2, h1, h2, g1, g2, f1, f2)
}
