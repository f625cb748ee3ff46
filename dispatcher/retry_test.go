package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// hookMap is the registry as the dispatcher sees it, in memory.
type hookMap map[int64]schema.Hook

func (m hookMap) Match(int64, int64) []schema.Hook { return nil }

func (m hookMap) Hook(id int64) (schema.Hook, bool) { h, ok := m[id]; return h, ok }

func (m hookMap) SetHookEnabled(context.Context, int64, int64, bool) (schema.Hook, error) {
	return schema.Hook{}, errors.New("not here")
}

// publisherFunc is a Publisher.
type publisherFunc func(ctx context.Context, topic string, key, value []byte) error

func (f publisherFunc) Publish(ctx context.Context, topic string, key, value []byte) error {
	return f(ctx, topic, key, value)
}

const testHookURL = "https://hooks.example.com/h"

// groupDispatcher is a Dispatcher with hook at testHookURL, two 1 s tiers,
// and w as its Kafka; the hook's breaker is open for an hour, so no request
// is ever made.
func groupDispatcher(t *testing.T, w *written, hook schema.Hook) *Dispatcher {
	t.Helper()
	sender, err := NewSender(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{RetryTopics: []string{"r1", "r2"}, RetryDelays: []time.Duration{time.Second, time.Second},
		Endpoints: EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour}}, hookMap{hook.ID: hook}, publisherFunc(w.publish), sender)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	done, err := d.endpoints.get(testHookURL, hook.ID).acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	done(false, true) // one failure in one attempt: open
	return d
}

var testHook = schema.Hook{ID: 7, ClientID: 1, DestinationID: 2, Config: schema.HookConfig{URL: testHookURL}}

// groupRecord is a group of n refused deliveries of hook 7 waiting for attempt.
func groupRecord(t *testing.T, n, attempt int) ([]schema.Delivery, []byte) {
	t.Helper()
	var dls []schema.Delivery
	for i := range n {
		dls = append(dls, refusedDelivery(t, i, 7, attempt))
	}
	b, err := schema.EncodeRecord(schema.NewGroup(dls))
	if err != nil {
		t.Fatal(err)
	}
	return dls, b
}

// While the breaker refuses, a tier hands a group on whole: one record on
// the next tier, the attempt appended for every delivery.
func TestOpenBreakerHandsAGroupOnWhole(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	dls, b := groupRecord(t, 30, 2)
	if err := d.HandleRetry(context.Background(), Source{Topic: "r1"}, b); err != nil {
		t.Fatal(err)
	}
	records, got := w.deliveries(t, "r2")
	if records != 1 || len(got) != len(dls) {
		t.Fatalf("r2 got %d deliveries in %d records, want %d in one", len(got), records, len(dls))
	}
	for i, dl := range got {
		if dl.Attempt != 3 || len(dl.Attempts) != 2 || dl.Attempts[1].Number != 2 || dl.Attempts[1].Error != ErrBreakerOpen.Error() {
			t.Errorf("delivery %d: attempt %d, attempts %+v; want attempt 3 after a refused attempt 2", i, dl.Attempt, dl.Attempts)
		}
		if dl.Event != dls[i].Event {
			t.Errorf("delivery %d: event changed", i)
		}
	}
}

// A group's last attempt splits it: one dead letter per delivery, each with
// every attempt.
func TestAGroupsLastAttemptMakesADeadLetterPerDelivery(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	dls, b := groupRecord(t, 25, 3) // 2 tiers: attempt 3 is the last
	if err := d.HandleRetry(context.Background(), Source{Topic: "r2"}, b); err != nil {
		t.Fatal(err)
	}
	letters := deadLetters(t, &w)
	if len(letters) != len(dls) {
		t.Fatalf("%d dead letters, want %d", len(letters), len(dls))
	}
	seen := map[string]bool{}
	for _, l := range letters {
		seen[l.EventID] = true
		if l.Reason != schema.ReasonRetriesExhausted || len(l.Attempts) != 3 || l.Attempts[2].Number != 3 {
			t.Errorf("%s: reason %s, attempts %+v; want retries_exhausted after attempts 1-3", l.EventID, l.Reason, l.Attempts)
		}
	}
	if len(seen) != len(dls) {
		t.Errorf("dead letters for %d events, want %d", len(seen), len(dls))
	}
	if n := len(w.recs["r1"]) + len(w.recs["r2"]); n != 0 {
		t.Errorf("%d records on the tiers, want none", n)
	}
}

// A disabled hook's group becomes a dead letter per delivery; a deleted
// hook's is dropped.
func TestAGroupOfADisabledOrDeletedHook(t *testing.T) {
	var w written
	disabled := testHook
	disabled.DisabledAt = new(time.Now())
	d := groupDispatcher(t, &w, disabled)
	dls, b := groupRecord(t, 5, 2)
	if err := d.HandleRetry(context.Background(), Source{Topic: "r1"}, b); err != nil {
		t.Fatal(err)
	}
	letters := deadLetters(t, &w)
	if len(letters) != len(dls) {
		t.Fatalf("%d dead letters, want %d", len(letters), len(dls))
	}
	for _, l := range letters {
		if l.Reason != schema.ReasonHookDisabled {
			t.Errorf("%s: reason %s, want hook_disabled", l.EventID, l.Reason)
		}
	}

	var w2 written
	d = groupDispatcher(t, &w2, testHook)
	d.hooks = hookMap{}
	if err := d.HandleRetry(context.Background(), Source{Topic: "r1"}, b); err != nil {
		t.Fatal(err)
	}
	if len(w2.recs) != 0 {
		t.Errorf("a deleted hook's group wrote %d topics' records, want none", len(w2.recs))
	}
}

// A delivery of a group whose event is invalid goes to the invalid topic
// alone; the others go on.
func TestAnInvalidDeliveryOfAGroupGoesToInvalidAlone(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	dls, _ := groupRecord(t, 4, 3)
	dls[2].Event = `{"event_id":"broken"}`
	b, err := schema.EncodeRecord(schema.NewGroup(dls))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.HandleRetry(context.Background(), Source{Topic: "r2", Offset: 9}, b); err != nil {
		t.Fatal(err)
	}
	if n := len(deadLetters(t, &w)); n != 3 {
		t.Errorf("%d dead letters, want the 3 valid deliveries'", n)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.recs["postload.invalid"]) != 1 {
		t.Fatalf("%d invalid records, want 1", len(w.recs["postload.invalid"]))
	}
	inv, err := schema.DecodeInvalid(w.recs["postload.invalid"][0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inv.Reason, "delivery 2 of a group") || inv.Offset != 9 || !strings.Contains(string(inv.Value), "broken") {
		t.Errorf("invalid record %q at offset %d with %q, want delivery 2's, at 9", inv.Reason, inv.Offset, inv.Value)
	}
}

// deadLetters decodes what was published to the dead-letter topic.
func deadLetters(t *testing.T, w *written) []schema.DeadLetter {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []schema.DeadLetter
	for _, b := range w.recs["postload.dlq"] {
		l, err := schema.DecodeDeadLetter(b)
		if err != nil {
			t.Fatalf("dead letter %s: %v", b, err)
		}
		out = append(out, l)
	}
	return out
}

// With groups off, refused deliveries are handed on one record each, as
// versions before group records read them.
func TestNoGroupsHandsRefusedDeliveriesOnOneEach(t *testing.T) {
	for _, noGroups := range []bool{false, true} {
		var w written
		d := groupDispatcher(t, &w, testHook)
		d.cfg.NoGroups = noGroups
		d.groups.linger = time.Minute // with groups on, the ctx below ends the wait
		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 10)
		for i := range 10 {
			dl := refusedDelivery(t, i, 7, 1)
			out := Outcome{Attempt: schema.Attempt{Number: 1, StartedAt: time.Now(), Error: ErrBreakerOpen.Error()}, Result: Skipped}
			go func() { errs <- d.handOn(ctx, d.cfg.Log, fmt.Sprint(i), testHook, dl, out) }()
		}
		if noGroups {
			for range 10 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		}
		wait.For(t, 10*time.Second, func() (bool, string) {
			forming := formingDeliveries(d.groups)
			w.mu.Lock()
			defer w.mu.Unlock()
			n := len(w.recs["r1"]) + forming
			return n == 10, fmt.Sprintf("%d of 10 deliveries written or forming", n)
		})
		cancel()
		if !noGroups {
			for range 10 { // the group's first delivery returns once it is written
				if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
					t.Fatal(err)
				}
			}
		}
		records, got := w.deliveries(t, "r1")
		if noGroups && (records != 10 || len(got) != 10) {
			t.Errorf("groups off: %d deliveries in %d records, want 10 in 10", len(got), records)
		}
		if !noGroups && (records != 1 || len(got) != 10) {
			t.Errorf("groups on: %d deliveries in %d records, want 10 in one", len(got), records)
		}
	}
}

// WaitDue holds a record until the wall clock says it is due, asking the
// clock again when its timer fires: a clock stepped back meanwhile holds
// it longer, and a cancelled context ends the wait.
func TestWaitDueHoldsUntilTheWallClockSaysDue(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	due := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	value := fmt.Appendf(nil, `{"hook_id":7,"attempt":2,"due_at":%q}`, due.Format(time.RFC3339Nano))
	// The clock reads 20 ms before due, then (stepped back) 20 ms before
	// due again, then due.
	readings := []time.Time{due.Add(-20 * time.Millisecond), due.Add(-20 * time.Millisecond), due}
	calls := 0
	d.now = func() time.Time {
		r := readings[min(calls, len(readings)-1)]
		calls++
		return r
	}
	if err := d.WaitDue(context.Background(), value); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("WaitDue returned after %d readings of the clock, want 3 (the last one due)", calls)
	}

	readings, calls = []time.Time{due.Add(-time.Hour)}, 0
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.WaitDue(ctx, value); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitDue an hour before due, with the context ending = %v, want its error", err)
	}
}
