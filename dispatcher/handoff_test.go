package dispatcher

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/schema"
)

// The dead letter's log line tells the requests sent from the attempts
// the open breaker skipped.
func TestDeadLetterLogCountsRequestsAndSkips(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	core, logs := observer.New(zap.InfoLevel)
	d.cfg.Log = zap.New(core)
	now := time.Now().UTC()
	dl := schema.Delivery{
		Event: string(schema.SampleLoadEvent("ev-1", 1, 2, false, now)), HookID: testHook.ID, Attempt: 3, DueAt: now,
		Error: ErrBreakerOpen.Error(),
		Attempts: []schema.Attempt{
			{Number: 1, StartedAt: now, DurationMS: 12, Status: http.StatusServiceUnavailable, Error: "HTTP 503 Service Unavailable"},
			{Number: 2, StartedAt: now, Error: ErrBreakerOpen.Error(), Skipped: true},
		},
	}
	b, err := schema.EncodeRecord(dl)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.HandleRetry(context.Background(), Source{Topic: "r2"}, b); err != nil {
		t.Fatal(err)
	}
	if n := len(deadLetters(t, &w)); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
	lines := logs.FilterMessage("dead letter").All()
	if len(lines) != 1 {
		t.Fatalf("%d dead letter lines, want 1", len(lines))
	}
	f := lines[0].ContextMap()
	if f["attempts"] != int64(3) || f["requests_sent"] != int64(1) || f["attempts_skipped"] != int64(2) {
		t.Errorf("dead letter line %v, want attempts 3, requests_sent 1, attempts_skipped 2", f)
	}
}

// A Retry-After is honoured on the tier whose delay covers it, so that no
// tier's head waits longer than the tier's delay; beyond the longest tier
// it is cut to that tier's delay.
func TestRetryAfterChoosesTheTierThatCoversIt(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	sorted := []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}
	unsorted := []time.Duration{time.Minute, 10 * time.Second, 5 * time.Minute}
	tests := []struct {
		name       string
		delays     []time.Duration
		failed     int // the attempt that failed
		retryAfter time.Duration
		tier       int
		wait       time.Duration // due - now; jitter on top when jittered
		jittered   bool
	}{
		{"no Retry-After: its tier and jitter", sorted, 1, 0, 1, time.Second, true},
		{"no Retry-After, third attempt", sorted, 3, 0, 3, 30 * time.Second, true},
		{"shorter than the tier: after it", sorted, 1, 500 * time.Millisecond, 1, 500 * time.Millisecond, false},
		{"as long as the tier", sorted, 1, time.Second, 1, time.Second, false},
		{"longer: the next tier that covers it", sorted, 1, 3 * time.Second, 2, 3 * time.Second, false},
		{"longer: a tier further on", sorted, 1, 30 * time.Second, 3, 30 * time.Second, false},
		{"from tier 2", sorted, 2, 31 * time.Second, 4, 31 * time.Second, false},
		{"on the last tier", sorted, 4, 10 * time.Second, 4, 10 * time.Second, false},
		{"beyond the longest: cut to it", sorted, 1, time.Hour, 4, 2 * time.Minute, false},
		{"unsorted: the shortest delay that covers", unsorted, 2, 30 * time.Second, 1, 30 * time.Second, false},
		{"unsorted: the only one that covers", unsorted, 2, 2 * time.Minute, 3, 2 * time.Minute, false},
		{"unsorted: beyond the longest", unsorted, 1, 10 * time.Minute, 3, 5 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dispatcher{cfg: Config{RetryDelays: tt.delays}}
			tier, due := d.next(now, tt.failed, tt.retryAfter)
			got := due.Sub(now)
			okWait := got == tt.wait
			if tt.jittered {
				okWait = got >= tt.wait && got <= tt.wait+jitterLimit(tt.wait)
			}
			if tier != tt.tier || !okWait {
				t.Errorf("next(attempt %d failed, Retry-After %v) = tier %d due in %v; want tier %d due in %v (jittered %v)",
					tt.failed, tt.retryAfter, tier, got, tt.tier, tt.wait, tt.jittered)
			}
			if limit := tt.delays[tier-1]; got > limit+jitterLimit(limit) {
				t.Errorf("due in %v on a tier of %v: its head would wait past the tier's delay", got, limit)
			}
		})
	}
}

// jitterLimit is the most jitter adds to delay.
func jitterLimit(delay time.Duration) time.Duration { return min(delay/100, 100*time.Millisecond) }

// A failed attempt with a Retry-After longer than its tier's delay is
// published to the tier that covers it, still as the next attempt.
func TestRetryAfterHandsOnToTheCoveringTier(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook) // tiers r1, r2 of 1 s
	d.cfg.RetryDelays = []time.Duration{time.Second, 5 * time.Second}
	now := time.Now()
	dl := schema.Delivery{Event: string(schema.SampleLoadEvent("ev-1", 1, 2, false, now)), HookID: testHook.ID, Attempt: 1, Attempts: []schema.Attempt{}}
	out := Outcome{Attempt: schema.Attempt{Number: 1, StartedAt: now, Status: 503, Error: "HTTP 503 Service Unavailable"}, Result: Failed, RetryAfter: 3 * time.Second}
	if err := d.handOn(context.Background(), d.cfg.Log, "ev-1", testHook, dl, out); err != nil {
		t.Fatal(err)
	}
	records, got := w.deliveries(t, "r2")
	if records != 1 || len(w.recs["r1"]) != 0 {
		t.Fatalf("%d records on r2 and %d on r1, want the one on r2", records, len(w.recs["r1"]))
	}
	if got[0].Attempt != 2 || len(got[0].Attempts) != 1 || got[0].DueAt.Before(now.Add(3*time.Second)) || got[0].DueAt.After(time.Now().Add(3*time.Second)) {
		t.Errorf("record %+v: want attempt 2 due 3 s after the failure", got[0])
	}
}
