package schema

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// next is what the slow way makes of a decoded record after attempt a.
func next(d Delivery, a Attempt, due time.Time) []byte {
	d.Attempts = append(append([]Attempt{}, d.Attempts...), a)
	d.Attempt, d.DueAt, d.Error = d.Attempt+1, due, a.Error
	b, _ := json.Marshal(d)
	return b
}

func FuzzForward(f *testing.F) {
	f.Add(sampleDelivery(f, 0))
	f.Add(sampleDelivery(f, 4))
	escaped, _ := json.Marshal(Delivery{Event: "{\"a\":\"x\\\\y\\\"z\\n\",\"b\":[1,2]}", HookID: 3, Attempt: 2,
		DueAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Error: "HTTP 500", Attempts: []Attempt{}})
	f.Add(escaped)
	f.Add([]byte(`{"event":"x","hook_id":1,"attempt":1,"due_at":"2026-01-02T03:04:05Z","error":"e","attempts":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fw, ok := PeekForward(b)
		d, fast := fastDelivery(b)
		if ok != fast {
			t.Fatalf("PeekForward %v but the fast decoder %v: %q", ok, fast, b)
		}
		if !ok {
			return
		}
		if fw.HookID != d.HookID || fw.Attempt != d.Attempt {
			t.Fatalf("hook %d attempt %d, want %d and %d", fw.HookID, fw.Attempt, d.HookID, d.Attempt)
		}
		a := Attempt{Number: d.Attempt, StartedAt: time.Date(2026, 11, 27, 6, 0, 0, 7, time.UTC), Error: "circuit breaker open: no request sent"}
		due := a.StartedAt.Add(30 * time.Second)
		got, err := fw.Next(a, due)
		if err != nil {
			t.Fatal(err)
		}
		// Handed on, the record must read back as the slow way's does.
		back, ok := fastDelivery(got)
		if !ok { // e.g. a U+2028 in an attempt's error, which encoding escapes as \u2028
			if back, err = decode[Delivery](schemas().delivery, got, ""); err != nil {
				t.Fatalf("the record handed on is not a retry record (%v): %s", err, got)
			}
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, next(d, a, due)) {
			t.Fatalf("handed on:\n%s\nthe slow way:\n%s", again, next(d, a, due))
		}
	})
}

// A record handed on without decoding its event is, decoded in full, the
// record the slow way writes.
func TestForwardIsTheSlowWaysRecord(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		b := sampleDelivery(t, n)
		fw, ok := PeekForward(b)
		if !ok {
			t.Fatalf("%d attempts: declined", n)
		}
		d, _, err := DecodeRetry(b)
		if err != nil {
			t.Fatal(err)
		}
		a := Attempt{Number: d.Attempt, StartedAt: time.Now().UTC(), Error: "circuit breaker open: no request sent"}
		due := a.StartedAt.Add(time.Minute)
		got, err := fw.Next(a, due)
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := DecodeRetry(got)
		if err != nil {
			t.Fatalf("%d attempts: handed on, the record is invalid: %v\n%s", n, err, got)
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, next(d, a, due)) {
			t.Errorf("%d attempts: handed on:\n%s\nthe slow way:\n%s", n, again, next(d, a, due))
		}
	}
}
