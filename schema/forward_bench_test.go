package schema

import (
	"testing"
	"time"
)

// BenchmarkForward is a tier's fast path for a record whose breaker
// refuses (the dispatcher's passOpen): read the record, append the skipped
// attempt, write the next record, events untouched.
func BenchmarkForward(b *testing.B) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	a := Attempt{Number: 2, StartedAt: now, Error: "circuit breaker open: no request sent", Skipped: true}
	var dls []Delivery
	for i := range 30 {
		dls = append(dls, Delivery{Event: string(SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, i%2 == 0, now)),
			HookID: 7, Attempt: 2, DueAt: now, Error: a.Error, Attempts: []Attempt{{Number: 1, StartedAt: now, DurationMS: 31, Status: 503, Error: "HTTP 503 Service Unavailable"}}})
	}
	group, err := EncodeRecord(NewGroup(dls))
	if err != nil {
		b.Fatal(err)
	}
	for name, rec := range map[string][]byte{"delivery": sampleDelivery(b, 1), "group30": group} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			for b.Loop() {
				fw, ok := PeekForward(rec)
				if !ok {
					b.Fatal("declined")
				}
				if _, err := fw.Next(a, now.Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
