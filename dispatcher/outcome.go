package dispatcher

import (
	"context"
	"errors"
	"time"

	"github.com/postload/postload/schema"
)

// Outcome is what one attempt came to.
type Outcome struct {
	Attempt schema.Attempt
	Result  Result
	// RetryAfter is the wait a 429 or 503 asked for (Result Failed), 0 if
	// none.
	RetryAfter time.Duration
	// Response is the start of the response body: at most
	// schema.MaxLoggedResponse bytes of valid UTF-8; empty when none came.
	Response string
}

// Result is what an attempt came to: exactly one of the values below. The
// sender and the endpoint's guard choose it; what it means (whether it
// counts as an attempt, whether a request was sent, where the delivery goes
// next) is written once, in meanings, and read from there by the breaker's
// report, the Observer, the log, handOn and a tier's fast path (passOpen).
type Result uint8

// Results of an attempt.
const (
	// Delivered: a 2xx came back.
	Delivered Result = iota + 1
	// Failed: a request was made and got no 2xx: another status but 410,
	// no response within the attempt timeout, a connection, DNS or TLS
	// error.
	Failed
	// Gone: a 410, the receiver is gone for good.
	Gone
	// Skipped: the breaker refused (open, or half-open with its probe out):
	// no request, and the attempt counts, recorded as skipped.
	Skipped
	// Deferred: every request slot of the endpoint was taken and none
	// freed in time (saturated): no request, and not an attempt.
	Deferred
	// Interrupted: ctx ended (a shutdown, or a rebalance past its drain
	// deadline) while the request was under way: not an attempt.
	Interrupted
	// Withdrawn: ctx ended before a request was made (waiting for a slot,
	// or the breaker refusing while shutting down): not an attempt.
	Withdrawn
)

// Outcomes of an attempt, as an Observer is told.
const (
	OutcomeDelivered   = "delivered"
	OutcomeFailed      = "failed"      // a request was made and failed
	OutcomeSkipped     = "skipped"     // no request: breaker open
	OutcomeInterrupted = "interrupted" // shutdown; not counted
	OutcomeDeferred    = "deferred"    // endpoint saturated: no request; not counted
)

// where is where a delivery goes after an attempt that did not deliver it.
type where uint8

const (
	nowhere   where = iota // delivered
	nextTier               // the next attempt, on the failed attempt's tier (or the one its Retry-After needs); a dead letter after the last attempt
	deadNow                // a dead letter at once (hook_gone), the hook disabled
	backNow                // the same attempt again, on the tier it came from (the first for a first attempt), due at once
	backLater              // the same, due after that tier's delay
)

// meaning is what a Result means.
type meaning struct {
	name     string // in logs and tests
	observed string // what an Observer is told
	counts   bool   // an attempt: recorded, the next one has the next number, the breaker counts it when a request was sent
	sent     bool   // a request was sent
	next     where
	// grouped: the endpoint refused it without a request, as it refuses
	// every delivery while it is dead, so it may travel in a group
	// (grouper).
	grouped bool
}

var meanings = [...]meaning{
	Delivered:   {"delivered", OutcomeDelivered, true, true, nowhere, false},
	Failed:      {"failed", OutcomeFailed, true, true, nextTier, false},
	Gone:        {"gone", OutcomeFailed, true, true, deadNow, false},
	Skipped:     {"skipped", OutcomeSkipped, true, false, nextTier, true},
	Deferred:    {"deferred", OutcomeDeferred, false, false, backLater, true},
	Interrupted: {"interrupted", OutcomeInterrupted, false, true, backNow, false},
	Withdrawn:   {"withdrawn", OutcomeInterrupted, false, false, backNow, false},
}

func (r Result) meaning() meaning {
	if int(r) >= len(meanings) {
		return meaning{}
	}
	return meanings[r]
}

func (r Result) String() string { return r.meaning().name }

// Counts reports whether the attempt counts: it is recorded in the
// delivery's attempts and uses up its place in the retry schedule.
func (r Result) Counts() bool { return r.meaning().counts }

// RequestSent reports whether the attempt sent a request.
func (r Result) RequestSent() bool { return r.meaning().sent }

// refusal is the outcome of attempt n, which the endpoint's guard refused
// at now with err (acquire's) before any request.
func refusal(ctx context.Context, n int, now time.Time, err error) Outcome {
	r := Skipped
	switch {
	case errors.Is(err, ErrEndpointBusy):
		r = Deferred
	case ctx.Err() != nil:
		r = Withdrawn
	}
	return Outcome{Result: r, Attempt: schema.Attempt{Number: n, StartedAt: now.UTC(), Error: err.Error(), Skipped: r == Skipped}}
}
