// Package backoff owns the waits between the attempts of a call that
// failed: the pause after the n-th failure (doubling from a first to a
// largest one), a context-bound sleep, and the retry loop built of them.
// No jitter: postload's retry loops are one per partition or process, so
// there is no herd to spread.
package backoff

import (
	"context"
	"time"
)

// Sleep waits d, or less if ctx ends first (false).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Wait is the pause after the n-th consecutive failure (n >= 1): first,
// doubled with each further failure, capped at limit.
func Wait(n int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Default pauses of Retry.
const (
	First = time.Second      // after the first failure
	Max   = 30 * time.Second // the doubling stops here
)

// Retry calls f until it returns nil (true) or ctx ends (false). After
// each failure it tells failed (if set) the error and the pause that
// follows, and waits: First, doubling up to Max.
func Retry(ctx context.Context, f func() error, failed func(err error, pause time.Duration)) bool {
	for n := 1; ; n++ {
		err := f()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		pause := Wait(n, First, Max)
		if failed != nil {
			failed(err, pause)
		}
		if !Sleep(ctx, pause) {
			return false
		}
	}
}
