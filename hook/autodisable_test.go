package hook

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// TestAutoDisableHook: the hook is disabled with auto_disabled recorded
// (also after a restart); a second call, a disabled hook or a hook changed
// after the failing streak began change nothing; enabling clears it.
func TestAutoDisableHook(t *testing.T) {
	c := newCluster(t)
	var mu sync.Mutex
	now := time.Date(2030, 1, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, stop := startStore(t, c, clock, Config{})
	ctx := context.Background()
	h := mustHook(t, s, clientA, 1)
	advance(6 * 24 * time.Hour)
	why := schema.AutoDisabled{FailingSince: h.CreatedAt.Add(time.Hour), FailedAttempts: 25, LastError: "HTTP 500 Internal Server Error"}

	got, err := s.AutoDisableHook(ctx, clientA, h.ID, why)
	if err != nil {
		t.Fatal(err)
	}
	want := why
	want.At = clock()
	if got.Enabled() || got.AutoDisabled == nil || *got.AutoDisabled != want || !got.DisabledAt.Equal(clock()) {
		t.Fatalf("AutoDisableHook = %+v, want disabled at %v with %+v", got, clock(), want)
	}
	if m := s.Match(clientA, 1); len(m) != 0 {
		t.Errorf("Match after auto-disable = %+v, want none", m)
	}
	advance(time.Minute)
	again, err := s.AutoDisableHook(ctx, clientA, h.ID, why)
	if err != nil || *again.AutoDisabled != want {
		t.Errorf("a second AutoDisableHook = %+v, %v: want the first one's record unchanged", again, err)
	}
	if _, err := s.AutoDisableHook(ctx, clientB, h.ID, why); err != ErrNotFound {
		t.Errorf("another account's AutoDisableHook: %v, want ErrNotFound", err)
	}
	stop()

	s, _ = startStore(t, c, clock, Config{})
	if back, _ := s.Hook(h.ID); back.AutoDisabled == nil || *back.AutoDisabled != want {
		t.Errorf("after a restart: %+v, want auto_disabled %+v", back, want)
	}
	on, err := s.SetHookEnabled(ctx, clientA, h.ID, true)
	if err != nil || on.AutoDisabled != nil || !on.Enabled() {
		t.Fatalf("enabled again: %+v, %v; want enabled without auto_disabled", on, err)
	}
	// The streak began before the hook was enabled again: nothing changes.
	stale, err := s.AutoDisableHook(ctx, clientA, h.ID, why)
	if err != nil || !stale.Enabled() {
		t.Errorf("AutoDisableHook for a streak older than the last change: %+v, %v; want it enabled", stale, err)
	}
	off, err := s.SetHookEnabled(ctx, clientA, h.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	why.FailingSince = clock()
	if got, err := s.AutoDisableHook(ctx, clientA, h.ID, why); err != nil || got.AutoDisabled != nil || !got.DisabledAt.Equal(*off.DisabledAt) {
		t.Errorf("AutoDisableHook of a disabled hook = %+v, %v; want it unchanged", got, err)
	}
}
