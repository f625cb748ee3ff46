package email

import "github.com/postload/postload/internal/clock"

// Clock tells the time for everything timed in this package: when windows
// open and close, the Date of an email, backoff between attempts. Tests
// pass a clock they move by hand (clock.Fake). (Timeouts of network calls,
// which bound real waiting, use the system clock.)
type Clock = clock.Clock
