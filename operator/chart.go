package operator

import (
	"fmt"
	"strconv"
	"time"
)

// chartView is a bar chart as the templates draw it in inline SVG: one
// bar per hour, heights scaled to the largest count.
type chartView struct {
	Width, Height int
	// Base is the y of the axis; bars stand on it.
	Base  int
	Bars  []barView
	Max   int
	Label string // for screen readers: what the chart shows
	// First and Last label the axis's ends.
	First, Last string
}

// barView is one bar; X, Y, W, H are SVG lengths.
type barView struct {
	X, Y, W, H string
	Title      string // tooltip: the hour and its count
}

// Sizes of the charts.
const (
	bigWidth, bigHeight     = 720, 160
	smallWidth, smallHeight = 240, 36
	axisRoom                = 16 // below the bars, for the hour labels
)

// newChart draws counts (one per hour of hours) w by h; labels puts the
// hours under the axis.
func newChart(counts []int, hours []time.Time, w, h int, labels bool, what string) chartView {
	c := chartView{Width: w, Height: h, Base: h, Label: what}
	if labels {
		c.Base = h - axisRoom
	}
	for _, n := range counts {
		c.Max = max(c.Max, n)
	}
	if len(counts) == 0 {
		return c
	}
	slot := float64(w) / float64(len(counts))
	gap := max(slot*0.15, 1)
	for i, n := range counts {
		bh := 0.0
		if c.Max > 0 {
			bh = float64(c.Base-2) * float64(n) / float64(c.Max)
		}
		c.Bars = append(c.Bars, barView{
			X: f1(float64(i)*slot + gap/2), W: f1(slot - gap),
			Y: f1(float64(c.Base) - bh), H: f1(bh),
			Title: fmt.Sprintf("%s: %d", hours[i].UTC().Format("2006-01-02 15:04Z"), n),
		})
	}
	if labels {
		c.First = hours[0].UTC().Format("15:04Z")
		c.Last = hours[len(hours)-1].UTC().Format("15:04Z")
	}
	return c
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
