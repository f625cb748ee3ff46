package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fast path must accept only what the schema accepts, and decode it the
// same; the validator stays the judge of everything the fast path declines.
func FuzzFastLoadEvent(f *testing.F) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC)
	f.Add(SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, false, now))
	f.Add(SampleLoadEvent("e", 1, 1, true, now))
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "load-event*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"event_id":"x","client_id":1.0,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
		`{"event_id":"x","client_id":1,"Client_ID":2,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
		`{"event_id":"","client_id":1,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
		`[1e5, 2]`, `{"a":"\u0000"}`, `null`,
		`{"event_id":"\ud800x","client_id":1,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
		`{"event_id":"x","client_id":01,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
		`{"event_id":"x","client_id":1,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","Payload":{},"payload":{}}`,
		`{"event_id":"x","event_id":"","client_id":1,"destination_id":1,"emitted_at":"2026-11-27T06:00:00Z","payload":{}}`,
	} {
		f.Add([]byte(s))
	}
	// The same mutations of a valid event: an unknown payload field with a
	// leading zero, an exponent, a duplicate table key, a lone surrogate.
	valid := string(SampleLoadEvent("e", 1, 1, false, now))
	for _, r := range [][2]string{
		{`"version":"1.0"`, `"x":01,"version":"1.0"`},
		{`"version":"1.0"`, `"x":1E5,"version":"1.0"`},
		{`"num_rows":100`, `"num_rows":100,"num_rows":-1`},
		{`"integration_name":"shopify"`, `"integration_name":"\ud800"`},
		{`"new_version":false`, `"new_version":"false"`},
		// repeated names: in the open payload, escaped, nested in a value
		{`"version":"1.0"`, `"x":1,"version":"1.0","x":2`},
		{`"client_id":1`, `"client_id":2,"client\u005fid":1`},
		{`"key":"updated_at"`, `"key":"updated_at","x":{"a":[{"b":1,"b":1}]}`},
	} {
		f.Add([]byte(strings.Replace(valid, r[0], r[1], 1)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := fastLoadEvent(b)
		if !ok {
			return
		}
		full, err := decode[LoadEvent](schemas().loadEvent, b, "")
		if err != nil {
			t.Fatalf("fast path accepted what the schema rejects (%v): %q", err, b)
		}
		if fast.EventID != full.EventID || fast.ClientID != full.ClientID || fast.DestinationID != full.DestinationID ||
			!fast.EmittedAt.Equal(full.EmittedAt) || !bytes.Equal(fast.Payload, full.Payload) {
			t.Fatalf("fast %+v != full %+v", fast, full)
		}
	})
}

func TestFastPathTakesRealisticEvents(t *testing.T) {
	now := time.Now()
	for _, rejected := range []bool{false, true} {
		b := SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, rejected, now)
		if _, ok := fastLoadEvent(b); !ok {
			t.Errorf("fast path declined the sample (rejected=%v): %s", rejected, b)
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "valid", "load-event.json"))
	if err != nil {
		t.Skip("no contract example in testdata")
	}
	if _, ok := fastLoadEvent(b); !ok {
		t.Errorf("fast path declined the contract's example")
	}
}
