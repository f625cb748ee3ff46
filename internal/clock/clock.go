// Package clock tells the time to the parts of postload that wait on it
// (the email windows, a consumer partition's commit interval, drain
// deadline and backoff), so that their tests can move it by hand (Fake).
// Timeouts of network calls, which bound real waiting, use the system
// clock. It imports nothing of the project.
package clock

import "time"

// Clock tells the time and waits on it.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed on this
	// clock; at once when d <= 0.
	After(d time.Duration) <-chan time.Time
}

// System is the real time.
type System struct{}

var _ Clock = System{}

func (System) Now() time.Time                         { return time.Now() }
func (System) After(d time.Duration) <-chan time.Time { return time.After(d) }
