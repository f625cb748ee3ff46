package schema

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleDelivery(t testing.TB, attempts int) []byte {
	t.Helper()
	now := time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC)
	d := Delivery{Event: string(SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, true, now)),
		HookID: 7, Attempt: attempts + 1, DueAt: now.Add(time.Minute), Error: "HTTP 503 Service Unavailable", Attempts: []Attempt{}}
	for i := range attempts {
		d.Attempts = append(d.Attempts, Attempt{Number: i + 1, StartedAt: now, DurationMS: 31, Status: 503, Error: "HTTP 503 Service Unavailable"})
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzFastDelivery(f *testing.F) {
	f.Add(sampleDelivery(f, 0))
	f.Add(sampleDelivery(f, 3))
	valid := string(sampleDelivery(f, 1))
	for _, r := range [][2]string{
		{`"hook_id":7`, `"hook_id":7.0`},
		{`"hook_id":7`, `"hook_id":0`},
		{`"attempt":2`, `"attempt":22`},
		{`"attempt":2`, `"attempt":2,"Attempt":3`},
		{`"attempt":2`, `"attempt":2,"attempt":3`},
		{`"status":503`, `"status":99`},
		{`"status":503`, `"status":null`},
		{`"duration_ms":31`, `"duration_ms":-1`},
		{`"duration_ms":31`, `"duration_ms":9223372036854775808`},
		{`"error":"HTTP 503 Service Unavailable"}`, `"error":""}`},
		{`"error":"HTTP 503 Service Unavailable",`, `"error":"",`},
		{`"error":"HTTP 503 Service Unavailable",`, `"error":"\ud800",`},
		{`"number":1`, `"number":1,"x":1`},
	} {
		f.Add([]byte(strings.Replace(valid, r[0], r[1], 1)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := fastDelivery(b)
		if !ok {
			return
		}
		full, err := decode[Delivery](schemas().delivery, b, "")
		if err != nil {
			t.Fatalf("fast path accepted what the schema rejects (%v): %q", err, b)
		}
		same := fast.Event == full.Event && fast.HookID == full.HookID && fast.Attempt == full.Attempt &&
			fast.DueAt.Equal(full.DueAt) && fast.Error == full.Error && len(fast.Attempts) == len(full.Attempts)
		for i := 0; same && i < len(fast.Attempts); i++ {
			a, b := fast.Attempts[i], full.Attempts[i]
			same = a.Number == b.Number && a.StartedAt.Equal(b.StartedAt) && a.DurationMS == b.DurationMS && a.Status == b.Status && a.Error == b.Error
		}
		if !same {
			t.Fatalf("fast %+v != full %+v", fast, full)
		}
	})
}

func TestFastPathTakesRetryRecords(t *testing.T) {
	for _, n := range []int{0, 1, 5, 20} {
		b := sampleDelivery(t, n)
		d, ok := fastDelivery(b)
		if !ok {
			t.Fatalf("fast path declined a record with %d attempts: %s", n, b)
		}
		if len(d.Attempts) != n || d.HookID != 7 {
			t.Errorf("decoded %+v", d)
		}
	}
	var with22 Delivery
	_ = json.Unmarshal(sampleDelivery(t, 20), &with22)
	with22.Attempts = append(with22.Attempts, with22.Attempts[:2]...)
	b, _ := json.Marshal(with22)
	if _, ok := fastDelivery(b); ok {
		t.Error("fast path took 22 attempts; the schema allows 21")
	}
}

func BenchmarkDecodeRetry(b *testing.B) {
	rec := sampleDelivery(b, 1)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeRetry(rec); err != nil {
			b.Fatal(err)
		}
	}
}
