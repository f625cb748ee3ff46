package schema

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// A delivery's life: attempt 1 with no attempts, each failed attempt
// appended and the next one waited for, an attempt that did not count
// leaving the attempts as they were, and a dead letter with every attempt.
func TestARetryRecordsLife(t *testing.T) {
	event := string(SampleLoadEvent("ev-1", 116078, 12345, true, sampleNow))
	d := NewDelivery(event, 7, sampleNow)
	if d.Attempt != 1 || d.HookID != 7 || d.Event != event || !d.DueAt.Equal(sampleNow) || d.Error != "" || d.Attempts == nil || len(d.Attempts) != 0 {
		t.Fatalf("new delivery %+v: want attempt 1, no attempts (an empty list), due now", d)
	}
	if _, err := DecodeDelivery(mustEncode(t, d)); err != nil {
		t.Fatalf("a new delivery is not a valid retry record: %v", err)
	}

	a1 := Attempt{Number: 1, StartedAt: sampleNow, DurationMS: 12, Status: 503, Error: "HTTP 503 Service Unavailable"}
	due := sampleNow.Add(30 * time.Second)
	d2 := d.Next(a1, due)
	if d2.Attempt != 2 || !d2.DueAt.Equal(due) || d2.Error != a1.Error || !slices.Equal(d2.Attempts, []Attempt{a1}) {
		t.Fatalf("after attempt 1 failed: %+v", d2)
	}
	a2 := Attempt{Number: 2, StartedAt: due, Error: "circuit breaker open: no request sent", Skipped: true}
	d3 := d2.Next(a2, due.Add(time.Minute))
	// Next copies: a record and the next do not share their attempts.
	other := d2.Next(Attempt{Number: 2, StartedAt: due, Error: "other"}, due)
	if d3.Attempt != 3 || !slices.Equal(d3.Attempts, []Attempt{a1, a2}) || other.Attempts[1].Error != "other" || len(d2.Attempts) != 1 {
		t.Fatalf("after attempt 2: %+v (and %+v from the same record)", d3, other)
	}

	again := d3.Again("endpoint saturated", due.Add(2*time.Minute))
	if again.Attempt != 3 || !slices.Equal(again.Attempts, d3.Attempts) || again.Error != "endpoint saturated" || !again.DueAt.Equal(due.Add(2*time.Minute)) {
		t.Fatalf("again: %+v", again)
	}

	hook := Hook{ID: 7, ClientID: 116078, DestinationID: 12345, Config: HookConfig{URL: "https://example.com/h", Secret: "whsec_x"}}
	l := d3.DeadLetter("ev-1", hook.Ref(), ReasonRetriesExhausted, due)
	if l.Event != event || l.EventID != "ev-1" || l.Hook != (HookRef{ID: 7, ClientID: 116078, DestinationID: 12345, URL: "https://example.com/h"}) ||
		!slices.Equal(l.Attempts, d3.Attempts) || !l.FirstAttemptAt.Equal(a1.StartedAt) || !l.LastAttemptAt.Equal(a2.StartedAt) || l.Reason != ReasonRetriesExhausted {
		t.Fatalf("dead letter %+v", l)
	}
	if _, err := DecodeDeadLetter(mustEncode(t, l)); err != nil {
		t.Fatalf("the dead letter is invalid: %v", err)
	}
	// A delivery that made no attempt (its hook disabled before attempt 1).
	if l := d.DeadLetter("ev-1", hook.Ref(), ReasonHookDisabled, due); l.Attempts == nil || !l.FirstAttemptAt.IsZero() {
		t.Fatalf("dead letter without attempts: %+v", l)
	}
	if l.WebhookID() != "ev-1.7" || WebhookID("ev-1", 7) != "ev-1.7" {
		t.Errorf("webhook-id %q, want ev-1.7", l.WebhookID())
	}
	if k := string(RecordKey(116078)); k != "116078" {
		t.Errorf("record key %q, want the client id in decimal", k)
	}
}

// A tier that hands a record on without decoding it writes, byte for byte,
// what encoding the decoded record after Next gives: a single delivery, and
// a group whose own fields took the step.
func TestForwardTakesTheRecordsNextStep(t *testing.T) {
	a := Attempt{Number: 3, StartedAt: sampleNow, Error: "circuit breaker open: no request sent", Skipped: true}
	due := sampleNow.Add(time.Minute)

	b := sampleDelivery(t, 2)
	d, _, err := DecodeRetry(b)
	if err != nil {
		t.Fatal(err)
	}
	fw, ok := PeekForward(b)
	if !ok {
		t.Fatal("declined")
	}
	got, err := fw.Next(a, due)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustEncode(t, d.Next(a, due)); !bytes.Equal(got, want) {
		t.Errorf("handed on:\n%s\nencoded after Next:\n%s", got, want)
	}

	gb := sampleGroup(t, 3, 1)
	var g Group
	if err := json.Unmarshal(gb, &g); err != nil {
		t.Fatal(err)
	}
	if fw, ok = PeekForward(gb); !ok {
		t.Fatal("group declined")
	}
	if got, err = fw.Next(a, due); err != nil {
		t.Fatal(err)
	}
	h := Delivery{HookID: g.HookID, Attempt: g.Attempt, DueAt: g.DueAt, Error: g.Error, Attempts: g.Attempts}.Next(a, due)
	g.Attempt, g.DueAt, g.Error, g.Attempts = h.Attempt, h.DueAt, h.Error, h.Attempts
	if want := mustEncode(t, g); !bytes.Equal(got, want) {
		t.Errorf("group handed on:\n%s\nencoded after Next:\n%s", got, want)
	}
}

func mustEncode(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := EncodeRecord(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
