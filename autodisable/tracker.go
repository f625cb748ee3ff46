package autodisable

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Tracker keeps the failing streak of every hook and disables the hooks
// whose streak is long enough. Observe and CaughtUp may be called from any
// goroutine; Run acts on what they found.
type Tracker struct {
	cfg      Config
	registry Registry
	notices  Notifier

	mu       sync.Mutex
	streaks  map[int64]*streak  // hook id → its failing streak
	due      map[int64]struct{} // hooks whose streak is long enough, to decide
	caughtUp bool               // the history was read: decide
	wake     chan struct{}      // size 1: something is due
}

// streak is a hook's run of failed attempts since its last delivered one.
type streak struct {
	client    int64
	since     time.Time // the first failed attempt's whole second
	failures  int
	lastError string
}

// New returns a Tracker; it decides nothing until CaughtUp is called.
func New(cfg Config, registry Registry, notices Notifier) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if registry == nil || notices == nil {
		return nil, errors.New("autodisable: give the hook registry and the notifier")
	}
	return &Tracker{cfg: cfg.withDefaults(), registry: registry, notices: notices,
		streaks: map[int64]*streak{}, due: map[int64]struct{}{}, wake: make(chan struct{}, 1)}, nil
}

// Observe takes one attempt of the delivery log, in the log's order.
func (t *Tracker) Observe(a schema.LoggedAttempt) {
	if a.Test {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch a.Outcome {
	case schema.LoggedDelivered:
		delete(t.streaks, a.HookID)
		delete(t.due, a.HookID)
		return
	case schema.LoggedFailed:
	default:
		return // skipped: no request, no evidence
	}
	s := t.streaks[a.HookID]
	if s == nil {
		s = &streak{client: a.ClientID, since: a.At.UTC().Truncate(time.Second)}
		t.streaks[a.HookID] = s
	}
	s.failures++
	s.lastError = a.Error
	if s.lastError == "" && a.Status != 0 {
		s.lastError = fmt.Sprintf("HTTP %d", a.Status)
	}
	if t.ripe(s, a.At) {
		t.markDue(a.HookID)
	}
}

// Streak is hook id's failing streak as read so far: since its first
// failed attempt (the whole second), how many failed; false when it has
// none (its last attempt was delivered, or none failed).
func (t *Tracker) Streak(id int64) (since time.Time, failures int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.streaks[id]
	if s == nil {
		return time.Time{}, 0, false
	}
	return s.since, s.failures, true
}

// After is how long a streak lasts before its hook is disabled.
func (t *Tracker) After() time.Duration { return t.cfg.After }

// CaughtUp says that the history was read: from now on streaks are judged.
func (t *Tracker) CaughtUp() {
	t.mu.Lock()
	t.caughtUp = true
	t.mu.Unlock()
	t.poke()
}

// ripe reports whether s is long enough at now; t.mu is held.
func (t *Tracker) ripe(s *streak, now time.Time) bool {
	return s.failures >= t.cfg.MinFailures && now.Sub(s.since) >= t.cfg.After
}

// markDue queues hook id for a decision; t.mu is held.
func (t *Tracker) markDue(id int64) {
	t.due[id] = struct{}{}
	if t.caughtUp {
		t.poke()
	}
}

func (t *Tracker) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// Run decides about the hooks that are due, and judges every streak by the
// clock every Config.Sweep, until ctx ends; it returns nil then.
func (t *Tracker) Run(ctx context.Context) error {
	tick := t.cfg.Clock.After(t.cfg.Sweep)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.wake:
		case <-tick:
			tick = t.cfg.Clock.After(t.cfg.Sweep)
			t.sweep()
		}
		t.act(ctx)
	}
}

// act decides about every hook due.
func (t *Tracker) act(ctx context.Context) {
	for _, id := range t.pending() {
		if ctx.Err() != nil {
			return
		}
		t.decide(ctx, id)
	}
}

// sweep marks due the streaks that are long enough by the clock, and drops
// those of deleted hooks.
func (t *Tracker) sweep() {
	now := t.cfg.Clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, s := range t.streaks {
		if _, ok := t.registry.Hook(id); !ok {
			delete(t.streaks, id)
			delete(t.due, id)
			continue
		}
		if t.ripe(s, now) {
			t.due[id] = struct{}{}
		}
	}
}

// pending returns the hooks due, once the history was read.
func (t *Tracker) pending() []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.caughtUp {
		return nil
	}
	return slices.Sorted(maps.Keys(t.due))
}

// decide disables hook id if its streak still calls for it, and sends the
// notice when the registry shows it auto-disabled for this streak. A
// failure leaves it due, for the next sweep.
func (t *Tracker) decide(ctx context.Context, id int64) {
	t.mu.Lock()
	s, ok := t.streaks[id]
	var cur streak
	if ok {
		cur = *s
	}
	t.mu.Unlock()
	log := t.cfg.Log.With(zap.Int64("hook_id", id), zap.Int64("client_id", cur.client))
	h, exists := t.registry.Hook(id)
	switch {
	case !ok || !exists:
		t.forget(id, cur)
		return
	case h.Enabled() && h.ModifiedAt.After(cur.since):
		// Changed since the streak began: the period starts at the change.
		t.restart(id, cur, h.ModifiedAt)
		return
	case h.Enabled():
		why := schema.AutoDisabled{FailingSince: cur.since, FailedAttempts: cur.failures, LastError: cur.lastError}
		cctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
		var err error
		h, err = t.registry.AutoDisableHook(cctx, h.ClientID, id, why)
		cancel()
		if err != nil {
			log.Warn("auto-disabling the hook; will try again", zap.Error(err))
			return
		}
		if h.AutoDisabled != nil && h.AutoDisabled.FailingSince.Equal(cur.since) {
			log.Warn("hook auto-disabled: every attempt failed", zap.Time("failing_since", cur.since),
				zap.Int("failed_attempts", cur.failures), zap.Duration("after", t.cfg.After))
		}
	}
	if h.Enabled() || h.AutoDisabled == nil || !h.AutoDisabled.FailingSince.Equal(cur.since) {
		// Disabled by hand, or for another streak, or changed meanwhile.
		t.forget(id, cur)
		return
	}
	n := schema.AutoDisableNotice{Hook: schema.HookRef{ID: h.ID, ClientID: h.ClientID, DestinationID: h.DestinationID, URL: h.Config.URL},
		AutoDisabled: *h.AutoDisabled}
	cctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	err := t.notices.Notify(cctx, n)
	cancel()
	if err != nil {
		log.Warn("sending the auto-disable notice; will try again", zap.Error(err))
		return
	}
	t.forget(id, cur)
}

// forget drops hook id's streak, unless it changed since cur was read.
func (t *Tracker) forget(id int64, cur streak) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.streaks[id]; ok && s.since.Equal(cur.since) {
		delete(t.streaks, id)
	}
	delete(t.due, id)
}

// restart starts hook id's streak anew at from, without failures.
func (t *Tracker) restart(id int64, cur streak, from time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.streaks[id]; ok && s.since.Equal(cur.since) {
		s.since, s.failures = from, 0
	}
	delete(t.due, id)
}
