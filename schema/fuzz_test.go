package schema

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// addSeeds adds the valid examples whose names start with prefix, the
// samples, and a few broken inputs.
func addSeeds(f *testing.F, prefix string) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", prefix+"*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		f.Add(mustReadFile(f, filepath.Join("valid", filepath.Base(file))))
	}
	f.Add(SampleLoadEvent("e", 1, 1, true, sampleNow))
	f.Add(SampleLoadEvent("e", 1, 1, false, sampleNow))
	for _, s := range []string{"", "{}", "null", `{"payload":{}}`, "\xff", `{"event":"{\"a\":1}"}`} {
		f.Add([]byte(s))
	}
}

// checkFuzzError fails unless a refusal is a fit ErrInvalid reason.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		checkReason(t, err)
	}
}

func FuzzDecodeLoadEvent(f *testing.F) {
	addSeeds(f, "load-event")
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeLoadEvent(b)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if len(ev.Payload) == 0 || !bytes.Contains(b, ev.Payload) {
			t.Fatalf("Payload %q is not a part of the input %q", ev.Payload, b)
		}
		if ev.EventID == "" || ev.ClientID < 1 || ev.DestinationID < 1 || ev.EmittedAt.IsZero() {
			t.Fatalf("accepted an envelope the contract refuses: %+v", ev)
		}
		ev.Summary() // must not panic
	})
}

func FuzzDecodeGroup(f *testing.F) {
	addSeeds(f, "group")
	f.Fuzz(func(t *testing.T, b []byte) {
		dls, err := DecodeGroup(b)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if len(dls) == 0 {
			t.Fatal("accepted a group without deliveries")
		}
		for _, d := range dls {
			if d.HookID < 1 || d.Attempt < 1 || d.Attempt > MaxAttempts {
				t.Fatalf("accepted a group the schema refuses: %+v", d)
			}
			if _, err := CheckDelivery(d); err != nil {
				checkFuzzError(t, err)
			}
		}
	})
}

func FuzzDecodeDelivery(f *testing.F) {
	addSeeds(f, "delivery")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeDelivery(b)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		ev, err := DecodeLoadEvent([]byte(d.Event))
		if err != nil {
			t.Fatalf("accepted a retry record whose event is refused: %v", err)
		}
		if !strings.Contains(d.Event, string(ev.Payload)) {
			t.Fatalf("Payload %q is not a part of the event %q", ev.Payload, d.Event)
		}
		if d.HookID < 1 || d.Attempt < 2 || len(d.Attempts) == 0 {
			t.Fatalf("accepted a record the schema refuses: %+v", d)
		}
	})
}
