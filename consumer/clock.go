package consumer

import "time"

// clock tells the time for a partition's timed steps: the commit interval,
// the drain deadline, the backoff after a handler failed, and the times
// that go into the progress. Tests pass one they move by hand. (Timeouts of
// network calls, which bound real waiting, use the system clock.)
type clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed by this clock;
	// at once when d <= 0.
	After(d time.Duration) <-chan time.Time
}

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
