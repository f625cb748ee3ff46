package email

import (
	"testing"
	"time"
)

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15 minutes", 2 * time.Hour: "2 hours", time.Hour: "1 hour",
		90 * time.Second: "90 seconds", 300 * time.Millisecond: "300ms",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}
