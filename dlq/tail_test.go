package dlq

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
)

// tailer runs tail in the background and collects what it passes on.
type tailer struct {
	mu     sync.Mutex
	events []string
	done   chan error
}

func startTail(tb testing.TB, ctx context.Context, cfg Config, f Filter) *tailer {
	tb.Helper()
	tl := &tailer{done: make(chan error, 1)}
	started := make(chan struct{})
	go func() {
		tl.done <- tail(ctx, cfg, f, func(e Entry) error {
			tl.mu.Lock()
			defer tl.mu.Unlock()
			tl.events = append(tl.events, e.DeadLetter.EventID)
			return nil
		}, func() { close(started) })
	}()
	select {
	case <-started:
	case err := <-tl.done:
		tb.Fatalf("tail ended before it started: %v", err)
	}
	return tl
}

func (tl *tailer) seen() []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return slices.Clone(tl.events)
}

func (tl *tailer) wait(tb testing.TB) error {
	tb.Helper()
	select {
	case err := <-tl.done:
		return err
	case <-time.After(10 * time.Second):
		tb.Fatal("tail did not return")
		return nil
	}
}

func TestTailFollowsNewDeadLettersUntilCancelled(t *testing.T) {
	e := fixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tl := startTail(t, ctx, e.cfg, Filter{HookID: 7})
	// Every partition gets new records; only hook 7's are passed on.
	for i, client := range []int64{clientA, clientB, clientC} {
		e.mustWrite(t,
			dl{event: fmt.Sprintf("new-%d", i), client: client, hook: 7, deadAt: t0.Add(time.Hour)},
			dl{event: fmt.Sprintf("other-%d", i), client: client, hook: 8, deadAt: t0.Add(time.Hour)},
		)
	}
	e.mustPublish(t, "postload.dlq", "1", []byte("malformed"))
	wait.For(t, 10*time.Second, func() (bool, string) {
		got := tl.seen()
		slices.Sort(got)
		return slices.Equal(got, []string{"new-0", "new-1", "new-2"}), fmt.Sprint(got)
	})
	cancel()
	if err := tl.wait(t); err != nil {
		t.Fatalf("Tail after cancel: %v, want nil", err)
	}
}

func TestTailStopsAtLimit(t *testing.T) {
	e := newEnv(t)
	tl := startTail(t, context.Background(), e.cfg, Filter{Limit: 2})
	for i := range 3 {
		e.mustWrite(t, dl{event: fmt.Sprintf("ev-%d", i), client: clientA, hook: 1, deadAt: t0})
	}
	if err := tl.wait(t); err != nil {
		t.Fatalf("Tail: %v", err)
	}
	if got := tl.seen(); !slices.Equal(got, []string{"ev-0", "ev-1"}) {
		t.Fatalf("seen %v", got)
	}
}

func TestTailReturnsCallbackError(t *testing.T) {
	e := newEnv(t)
	boom := fmt.Errorf("boom")
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- tail(context.Background(), e.cfg, Filter{}, func(Entry) error { return boom }, func() { close(started) })
	}()
	<-started
	e.mustWrite(t, dl{event: "ev", client: clientA, hook: 1, deadAt: t0})
	select {
	case err := <-done:
		if err != boom {
			t.Fatalf("got %v, want boom", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not return")
	}
}
