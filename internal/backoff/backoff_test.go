package backoff

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second},
		{7, time.Minute}, {8, time.Minute}, {1000, time.Minute},
	} {
		if got := Wait(tc.n, time.Second, time.Minute); got != tc.want {
			t.Errorf("Wait(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("Sleep after its context ended = true, want false")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep of 1 ms = false, want true")
	}
}

func TestRetryPausesAfterEachFailureUntilFSucceeds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	var pauses []time.Duration
	var failedWith []error
	boom := errors.New("boom")
	ok := Retry(ctx, func() error {
		calls++
		if calls < 2 {
			return boom
		}
		return nil
	}, func(err error, pause time.Duration) {
		failedWith = append(failedWith, err)
		pauses = append(pauses, pause)
	})
	if !ok || calls != 2 {
		t.Fatalf("Retry = %v after %d calls, want true after 2", ok, calls)
	}
	if want := []time.Duration{First}; !slices.Equal(pauses, want) {
		t.Errorf("pauses %v, want %v", pauses, want)
	}
	if len(failedWith) != 1 || failedWith[0] != boom {
		t.Errorf("failed heard %v, want boom once", failedWith)
	}
}

func TestRetryStopsWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ok := Retry(ctx, func() error { cancel(); return errors.New("boom") }, nil)
	if ok {
		t.Fatal("Retry = true after its context ended, want false")
	}
}
