package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// refusal is a put's error for a record over its size.
type refusal struct{}

func (refusal) Error() string  { return "record too large" }
func (refusal) TooLarge() bool { return true }

// An invalid record keeps the message whole when it fits; else its value
// is cut to what fits, and cut further while the put refuses it for its
// size, down to none; the reason says what was cut; any other error of
// the put ends it.
func TestPutInvalidCutsTheValueToFit(t *testing.T) {
	value := bytes.Repeat([]byte("x"), 3000)
	tests := []struct {
		name      string
		limit     int
		takes     int   // the put refuses larger records for their size
		fails     error // the put fails with it
		wantTries int
		wantWhole bool
		wantErr   bool
	}{
		{"fits whole", 8000, 8000, nil, 1, true, false},
		{"cut to the limit", 2000, 2000, nil, 1, false, false},
		{"refused: cut further", 8000, 3000, nil, 2, false, false},
		{"refused even without a value", 8000, 10, nil, 3, false, true},
		{"other errors are not retried", 8000, 8000, errors.New("broker down"), 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := NewInvalid("not JSON", "in", 1, 5, bytes.Repeat([]byte("k"), 2000), value, time.Unix(0, 0))
			if len(rec.Key) != MaxInvalidKey || rec.ValueBytes != len(value) {
				t.Fatalf("key of %d bytes, value_bytes %d", len(rec.Key), rec.ValueBytes)
			}
			var put [][]byte
			tries := 0
			kept, err := PutInvalid(rec, tt.limit, func(b []byte, kept int) error {
				tries++
				switch {
				case len(b) > tt.takes:
					return fmt.Errorf("writing: %w", refusal{})
				case tt.fails != nil:
					return tt.fails
				}
				put = append(put, b)
				return nil
			})
			if (err != nil) != tt.wantErr || tries != tt.wantTries {
				t.Fatalf("kept %d, err %v after %d tries; want error %v after %d", kept, err, tries, tt.wantErr, tt.wantTries)
			}
			if err != nil {
				return
			}
			got, derr := DecodeInvalid(put[0])
			if derr != nil {
				t.Fatal(derr)
			}
			cut := fmt.Sprintf("; value truncated to its first %d of %d bytes", kept, len(value))
			if len(put[0]) > min(tt.limit, tt.takes) || len(got.Value) != kept || tt.wantWhole != (kept == len(value)) ||
				tt.wantWhole == strings.Contains(got.Reason, cut) {
				t.Errorf("record of %d bytes keeps %d of the value, reason %q", len(put[0]), kept, got.Reason)
			}
		})
	}
}
