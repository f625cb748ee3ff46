// Package wait lets tests wait on a condition with a deadline instead of
// sleeping.
package wait

import (
	"testing"
	"time"
)

// For polls cond every 10 ms until it reports true, failing the test with
// what cond last said when timeout passes first.
func For(tb testing.TB, timeout time.Duration, cond func() (ok bool, last string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v: %s", timeout, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
