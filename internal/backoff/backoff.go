// Package backoff waits between the attempts of a call that failed: the
// pause of one retry, and a retry loop whose pause doubles from a first to
// a largest one. Every wait ends early when its context ends.
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

// Default pauses of Retry.
const (
	First = time.Second      // after the first failure
	Max   = 30 * time.Second // the doubling stops here
)

// Retry calls f until it returns nil (true) or ctx ends (false). After
// each failure it tells failed (if set) the error and the pause that
// follows, and waits: First, doubling up to Max.
func Retry(ctx context.Context, f func() error, failed func(err error, pause time.Duration)) bool {
	pause := First
	for {
		err := f()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if failed != nil {
			failed(err, pause)
		}
		if !Sleep(ctx, pause) {
			return false
		}
		pause = min(2*pause, Max)
	}
}
