package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sampleNow is the fixed clock of the samples in tests.
var sampleNow = time.Date(2026, 11, 27, 6, 0, 0, 123456789, time.UTC)

// mustReadFile reads a file under testdata.
func mustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mustEdit decodes the JSON object b, lets edit change it, and encodes it
// again: the way table tests derive an invalid message from a valid one.
func mustEdit(tb testing.TB, b []byte, edit func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// obj returns the object at key of m.
func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// firstTable returns the first table of a load event's payload.
func firstTable(m map[string]any) map[string]any {
	return obj(m, "payload")["tables"].([]any)[0].(map[string]any)
}

// checkInvalid fails unless err is an ErrInvalid whose text is a fit reason
// (one line, at most maxReason bytes) containing want.
func checkInvalid(tb testing.TB, err error, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("accepted, want an error containing %q", want)
	}
	checkReason(tb, err)
	if !strings.Contains(err.Error(), want) {
		tb.Errorf("error %q does not contain %q", err, want)
	}
}

// checkReason fails unless err wraps ErrInvalid and its text is one line of
// at most maxReason bytes.
func checkReason(tb testing.TB, err error) {
	tb.Helper()
	if !errors.Is(err, ErrInvalid) {
		tb.Errorf("error %q does not wrap ErrInvalid", err)
	}
	msg := err.Error()
	if msg == "" || len(msg) > maxReason || strings.ContainsAny(msg, "\r\n") {
		tb.Errorf("error text is not one line of 1..%d bytes: %q", maxReason, msg)
	}
}

// decoders maps each message to its Decode function, with the result
// discarded, for tests that treat every message alike.
var decoders = map[string]func([]byte) error{
	"load-event":   func(b []byte) error { _, err := DecodeLoadEvent(b); return err },
	"load-failure": func(b []byte) error { _, err := DecodeLoadFailure(b); return err },
	"delivery":     func(b []byte) error { _, err := DecodeDelivery(b); return err },
	"group":        decodeGroupFully,
	"dead-letter":  func(b []byte) error { _, err := DecodeDeadLetter(b); return err },
	"invalid":      func(b []byte) error { _, err := DecodeInvalid(b); return err },
	"hook":         func(b []byte) error { _, err := DecodeHook(b); return err },
	"recipient":    func(b []byte) error { _, err := DecodeRecipient(b); return err },
}

// decodeGroupFully is DecodeGroup with CheckDelivery of every delivery: how
// a tier judges a group it splits.
func decodeGroupFully(b []byte) error {
	dls, err := DecodeGroup(b)
	for _, d := range dls {
		if err == nil {
			_, err = CheckDelivery(d)
		}
	}
	return err
}
