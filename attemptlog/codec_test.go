package attemptlog

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// codecSamples are records as postload writes them, and some it does not.
var codecSamples = []schema.LoggedAttempt{
	{EventID: "01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", HookID: 8, ClientID: 116078, Attempt: 2, At: time.Date(2026, 11, 27, 6, 0, 31, 410_000_000, time.UTC),
		DurationMS: 18, Outcome: "delivered", Status: 200, Response: "thanks", Endpoint: "https://hooks.example.com"},
	{EventID: "ev \"<&>\" \\ \n\t\x01 é€😀", HookID: 1, ClientID: 2, Attempt: 6, At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)),
		DurationMS: 30000, Outcome: "failed", Response: "bad \x7f\u2028 gateway", Error: "HTTP 502 Bad Gateway", Endpoint: "https://[::1]:8443", Test: true},
	{EventID: "test_x", HookID: 9_000_000_000, ClientID: 1, Attempt: 1, Outcome: "skipped", Error: "circuit breaker open", Deliveries: 100},
}

// TestCodecIsEncodingJSONs: what encode writes, encoding/json reads as the
// same record, the fast path reads it (unless it has escapes, which
// encoding/json reads), and decode reads what encoding/json
// writes as it does.
func TestCodecIsEncodingJSONs(t *testing.T) {
	for _, a := range codecSamples {
		b, err := encode(a)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON schema.LoggedAttempt
		if err := json.Unmarshal(b, &viaJSON); err != nil || !sameAttempt(viaJSON, a) {
			t.Errorf("encoding/json reads %s as %+v (%v), want %+v", b, viaJSON, err, a)
		}
		std, _ := json.Marshal(a)
		for _, in := range [][]byte{b, std} {
			if got, err := decode(in); err != nil || !sameAttempt(got, a) {
				t.Errorf("decode(%s) = %+v, %v; want %+v", in, got, err, a)
			}
		}
		if _, ok := fastDecode(b); !ok && !bytes.ContainsRune(b, '\\') {
			t.Errorf("the fast path declined a record without escapes: %s", b)
		}
		if got, ok := exactDecode(b); ok != !bytes.ContainsRune(b, '\\') || ok && !sameAttempt(got, a) {
			t.Errorf("exactDecode(%s) = %+v, %v; want the record unless it has escapes", b, got, ok)
		}
	}
}

// sameAttempt compares two attempts, their times as instants.
func sameAttempt(x, y schema.LoggedAttempt) bool {
	if !x.At.Equal(y.At) {
		return false
	}
	x.At, y.At = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// FuzzDecode holds decode to encoding/json on any input: the same record,
// the same verdict.
func FuzzDecode(f *testing.F) {
	for _, a := range codecSamples {
		b, _ := encode(a)
		f.Add(b)
	}
	for _, s := range []string{`{"hook_id":1,"HOOK_ID":2}`, `{"hook_id":1,"hook_id":2}`, `{"hook_id":1.0}`, `{"hook_id":1e2}`, `{"hook_id":null,"at":null}`,
		`{"hook_id":3,"event_id":"a\ud800b"}`, `{"hook_id":3,"Event_Id":"x"}`, `{"hook_id":3,"event\u005fid":"x"}`, `{"hook_id":3,"at":"2026-13-01T00:00:00Z"}`,
		`{"hook_id":3,"test":1}`, `{"hook_id":3,"attempt":99999999999999999999}`, "{\"hook_id\":3,\"error\":\"\xff\"}", `[]`, `null`, `{"hook_id":4,"extra":{"a":[1]}}`,
		`{"hook_id":5,"at":"2026-01-02T03:04:05.000000006+01:00"}`, `{"hook_id":-1}`, `{"hook_id":6,"status":-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want schema.LoggedAttempt
		wantErr := json.Unmarshal(b, &want)
		if wantErr == nil && want.HookID <= 0 {
			wantErr = errNoHook
		}
		got, err := decode(b)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decode(%q): error %v, encoding/json's %v", b, err, wantErr)
		}
		if err == nil && !sameAttempt(got, want) {
			t.Fatalf("decode(%q) = %+v, encoding/json's %+v", b, got, want)
		}
	})
}

// BenchmarkCodec is the record's encode and decode, by hand and by
// encoding/json.
func BenchmarkCodec(b *testing.B) {
	a := codecSamples[0]
	rec, _ := encode(a)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = encode(a)
		}
	})
	b.Run("encode-json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(a)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			_, _ = decode(rec)
		}
	})
	b.Run("decode-json", func(b *testing.B) {
		for b.Loop() {
			var x schema.LoggedAttempt
			_ = json.Unmarshal(rec, &x)
		}
	})
}
