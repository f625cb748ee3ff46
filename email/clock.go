package email

import "time"

// Clock tells the time for everything timed in this package: when windows
// open and close, the Date of an email, backoff between attempts. Tests
// pass a clock they move by hand. (Timeouts of network calls, which bound
// real waiting, use the system clock.)
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed on this
	// clock; at once when d <= 0.
	After(d time.Duration) <-chan time.Time
}

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
