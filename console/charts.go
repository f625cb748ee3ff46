package console

import (
	"fmt"
	"strconv"
	"time"

	"github.com/postload/postload/schema"
)

// The hook page's pictures: inline SVG computed here and written by the
// "charts" template (templates/parts.html), no script. Colours are SVG
// presentation attributes (fill=, stroke=), which the CSP's style-src does
// not govern, as it does style attributes.

// Geometry of both charts, in SVG user units: a plot of minutesShown
// columns of colW, with room for the axis labels on the left and below.
const (
	chartLeft   = 44
	chartTop    = 8
	colW        = 10
	barW        = 8
	plotH       = 100
	chartWidth  = chartLeft + minutesShown*colW + 8
	chartHeight = chartTop + plotH + 22
)

// Colours of the outcomes.
var outcomeFill = map[string]string{
	schema.LoggedDelivered: "#1f7a3a",
	schema.LoggedFailed:    "#b3261e",
	schema.LoggedSkipped:   "#8d96a5",
}

// chartsView is what the "charts" template draws.
type chartsView struct {
	Width, Height int
	Baseline      string // y of the plots' bottom
	Right         string // x of the plots' right end
	XLabels       []label
	Bars          barChart
	Latency       latencyChart
	Rows          []minuteRow // the table fallback: minutes with attempts
	Truncated     bool
}

// label is an axis label.
type label struct {
	X, Y, Text, Anchor string
}

// barChart is attempts per minute by outcome, stacked.
type barChart struct {
	Summary string // the aria-label
	Max     int    // the y axis' top, in attempts per minute
	YLabels []label
	Bars    []bar // minutes with attempts
}

// bar is one minute's stack; Segments from the bottom up.
type bar struct {
	Title    string
	Segments []segment
}

// segment is one outcome's part of a bar.
type segment struct {
	Outcome, Fill string
	X, Y, W, H    string
	N             int
}

// latencyChart is each minute's p50 and p99 request duration.
type latencyChart struct {
	Summary string
	Max     int64 // the y axis' top, in ms
	YLabels []label
	Points  []latencyPoint
}

// latencyPoint is one minute's p50 (dot) and p99 (ring), joined by a line.
type latencyPoint struct {
	Title       string
	X, Y50, Y99 string
	P50, P99    int64
}

// minuteRow is one minute of the table fallback.
type minuteRow struct {
	Minute                     string
	Delivered, Failed, Skipped int
	P50, P99                   int64
	Requests                   bool
}

// chartsOf draws st.
func chartsOf(st hourStats) *chartsView {
	v := &chartsView{
		Width: chartWidth, Height: chartHeight, Truncated: st.Truncated,
		Baseline: strconv.Itoa(chartTop + plotH), Right: strconv.Itoa(chartLeft + minutesShown*colW),
	}
	for _, i := range []int{0, 15, 30, 45} {
		v.XLabels = append(v.XLabels, label{X: num(colX(i)), Y: strconv.Itoa(chartTop + plotH + 16), Text: clock(st.Start.Add(time.Duration(i) * time.Minute)), Anchor: "start"})
	}
	v.XLabels = append(v.XLabels, label{X: num(colX(minutesShown)), Y: strconv.Itoa(chartTop + plotH + 16), Text: "now", Anchor: "end"})

	maxN, maxMS := 0, int64(0)
	p50s, p99s := make([]int64, minutesShown), make([]int64, minutesShown)
	for i := range st.Minutes {
		m := &st.Minutes[i]
		maxN = max(maxN, m.total())
		if len(m.durations) > 0 {
			p50s[i], p99s[i] = percentile(m.durations, 0.5), percentile(m.durations, 0.99)
			maxMS = max(maxMS, p99s[i])
		}
	}
	v.Bars = barChart{Max: maxN, YLabels: yLabels(strconv.Itoa(maxN) + "/min")}
	v.Bars.Summary = fmt.Sprintf("Attempts per minute by outcome, the last %d minutes: %d delivered, %d failed, %d skipped; at most %d in a minute.",
		minutesShown, st.Delivered, st.Failed, st.Skipped, maxN)
	v.Latency = latencyChart{Max: niceCeil(maxMS), YLabels: yLabels(strconv.FormatInt(niceCeil(maxMS), 10) + " ms")}
	v.Latency.Summary = fmt.Sprintf("Request duration per minute (p50 dot, p99 ring), the last %d minutes; the slowest p99 %d ms.", minutesShown, maxMS)
	for i := range st.Minutes {
		m := &st.Minutes[i]
		if m.total() == 0 {
			continue
		}
		minute := clock(st.Start.Add(time.Duration(i) * time.Minute))
		v.Bars.Bars = append(v.Bars.Bars, barOf(i, minute, m, maxN))
		row := minuteRow{Minute: minute, Delivered: m.Delivered, Failed: m.Failed, Skipped: m.Skipped, Requests: len(m.durations) > 0}
		if row.Requests {
			row.P50, row.P99 = p50s[i], p99s[i]
			v.Latency.Points = append(v.Latency.Points, latencyPoint{
				Title: fmt.Sprintf("%s: p50 %d ms, p99 %d ms (%d requests)", minute, row.P50, row.P99, len(m.durations)),
				X:     num(colX(i) + colW/2), Y50: num(yOf(float64(row.P50), float64(v.Latency.Max))), Y99: num(yOf(float64(row.P99), float64(v.Latency.Max))),
				P50: row.P50, P99: row.P99,
			})
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// barOf is minute i's stack: delivered at the bottom, then failed, then
// skipped; each segment's height is its count over maxN of plotH.
func barOf(i int, minute string, m *minuteStats, maxN int) bar {
	b := bar{Title: fmt.Sprintf("%s: %d delivered, %d failed, %d skipped", minute, m.Delivered, m.Failed, m.Skipped)}
	bottom := float64(chartTop + plotH)
	for _, s := range []struct {
		outcome string
		n       int
	}{{schema.LoggedDelivered, m.Delivered}, {schema.LoggedFailed, m.Failed}, {schema.LoggedSkipped, m.Skipped}} {
		if s.n == 0 {
			continue
		}
		h := float64(s.n) * plotH / float64(maxN)
		bottom -= h
		b.Segments = append(b.Segments, segment{
			Outcome: s.outcome, Fill: outcomeFill[s.outcome], N: s.n,
			X: num(colX(i) + (colW-barW)/2), Y: num(bottom), W: strconv.Itoa(barW), H: num(h),
		})
	}
	return b
}

// yLabels labels the y axis: top at the plot's top, 0 at its bottom.
func yLabels(top string) []label {
	x := strconv.Itoa(chartLeft - 4)
	return []label{
		{X: x, Y: strconv.Itoa(chartTop + 8), Text: top, Anchor: "end"},
		{X: x, Y: strconv.Itoa(chartTop + plotH), Text: "0", Anchor: "end"},
	}
}

func colX(i int) float64 { return float64(chartLeft + i*colW) }

// yOf is the y of value v on an axis from 0 to top.
func yOf(v, top float64) float64 {
	if top <= 0 {
		return chartTop + plotH
	}
	return chartTop + plotH - v*plotH/top
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if n <= m*p {
				return m * p
			}
		}
	}
}

// num writes a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10+0.5))/10, 'f', -1, 64)
}

// clock is a minute's start as the charts label it: UTC, HH:MM.
func clock(t time.Time) string { return t.UTC().Format("15:04") }
