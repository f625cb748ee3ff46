package console

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/postload/postload/schema"
)

// The last hour of a hook's delivery log, as the hooks page (last attempt,
// success rate) and the hook page's charts show it.

// Bounds of reading the last hour: pages of statsPage attempts, at most
// maxStatsAttempts (the newest) in all, so that a page stays fast however
// busy a hook is. The index keeps 1000 per hook by default anyway.
const (
	minutesShown     = 60
	statsPage        = 1000
	maxStatsAttempts = 5000
)

// hourStats counts the attempts of one hook started in the last
// minutesShown minutes, per minute, oldest minute first.
type hourStats struct {
	Start                      time.Time // the first minute's start
	Delivered, Failed, Skipped int
	Minutes                    [minutesShown]minuteStats
	// Truncated: the hour had more than maxStatsAttempts attempts; the
	// figures are of the newest maxStatsAttempts.
	Truncated bool
	// Last is the newest attempt of the hook, of the hour or older; nil
	// when the log has none.
	Last *schema.LoggedAttempt
}

// minuteStats are one minute's attempts.
type minuteStats struct {
	Delivered, Failed, Skipped int
	// durations are the durations (ms) of the attempts that made a request
	// (delivered or failed), for the latency chart.
	durations []int64
}

func (m *minuteStats) total() int { return m.Delivered + m.Failed + m.Skipped }

// hourWindow is the start of the minutesShown minutes that end with the
// current (partial) minute.
func hourWindow(now time.Time) time.Time {
	return now.UTC().Truncate(time.Minute).Add(-(minutesShown - 1) * time.Minute)
}

// lastHour reads the attempts of the hook started in the last hour (and,
// when there are none, its last attempt).
func lastHour(ctx context.Context, log AttemptLog, client, hookID int64, now time.Time) (hourStats, error) {
	st := hourStats{Start: hourWindow(now)}
	q := AttemptQuery{ClientID: client, HookID: hookID, Since: st.Start, Limit: statsPage}
	seen := 0
	for {
		page, err := log.Attempts(ctx, q)
		if err != nil {
			return st, err
		}
		for i := range page.Attempts {
			a := &page.Attempts[i]
			if st.Last == nil {
				last := *a
				st.Last = &last
			}
			st.add(a)
			if seen++; seen == maxStatsAttempts {
				st.Truncated = page.Next != "" || i < len(page.Attempts)-1
				return st, nil
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if st.Last == nil { // none in the hour: the newest of all
		page, err := log.Attempts(ctx, AttemptQuery{ClientID: client, HookID: hookID, Limit: 1})
		if err != nil {
			return st, err
		}
		if len(page.Attempts) > 0 {
			last := page.Attempts[0]
			st.Last = &last
		}
	}
	return st, nil
}

// add counts one attempt of the hour.
func (st *hourStats) add(a *schema.LoggedAttempt) {
	i := int(a.At.Sub(st.Start) / time.Minute)
	if a.At.Before(st.Start) || i >= minutesShown { // a clock ahead of ours
		return
	}
	m := &st.Minutes[i]
	switch a.Outcome {
	case schema.LoggedDelivered:
		st.Delivered++
		m.Delivered++
		m.durations = append(m.durations, a.DurationMS)
	case schema.LoggedFailed:
		st.Failed++
		m.Failed++
		m.durations = append(m.durations, a.DurationMS)
	case schema.LoggedSkipped:
		st.Skipped++
		m.Skipped++
	}
}

// SuccessRate is delivered / (delivered + failed), as "97.5%", rounded
// down so that it says 100% only when every attempt was delivered; "–"
// when there was no request. Skipped attempts (no request: the breaker
// was open) are not in it.
func (st hourStats) SuccessRate() string {
	n := st.Delivered + st.Failed
	if n == 0 {
		return "–"
	}
	pct := math.Floor(float64(st.Delivered)*1000/float64(n)) / 10
	return fmt.Sprintf("%s%%", num(pct))
}

// Requests is delivered + failed: the attempts the success rate is over.
func (st hourStats) Requests() int { return st.Delivered + st.Failed }

// percentile is the nearest-rank p-th percentile (0 < p <= 1) of d,
// which it sorts.
func percentile(d []int64, p float64) int64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(math.Ceil(p*float64(len(d)))) - 1
	return d[max(i, 0)]
}
