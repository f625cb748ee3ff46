package schema

import (
	"testing"
	"time"
)

func TestPeekDueAt(t *testing.T) {
	want := time.Date(2026, 11, 27, 6, 0, 30, 123456789, time.UTC)
	tests := []struct {
		in string
		ok bool
	}{
		{`{"event":"x","due_at":"2026-11-27T06:00:30.123456789Z","hook_id":1}`, true},
		{`{"due_at":1}`, false},
		{`{"due_at":"soon"}`, false},
		{`{}`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		got, ok := PeekDueAt([]byte(tt.in))
		if ok != tt.ok || (ok && !got.Equal(want)) {
			t.Errorf("PeekDueAt(%s) = %v, %v", tt.in, got, ok)
		}
	}
}
