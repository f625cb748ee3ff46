package autodisable

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

const day = 24 * time.Hour

// TestDisableRule: a hook is disabled (and one notice sent) only when
// every attempt failed for the period and at least MinFailures did; a
// delivery ends the streak; skipped attempts and tests count for nothing.
func TestDisableRule(t *testing.T) {
	for _, tt := range []struct {
		name     string
		play     func(f *fixture)
		disabled bool
		since    time.Duration // failing_since - start, when disabled
		failures int
	}{
		{"20 failures over 5 days: disabled", func(f *fixture) { f.fail(20, 5*day) }, true, 0, 20},
		{"20 failures over 5 days less a minute: not yet", func(f *fixture) { f.fail(20, 5*day-time.Minute) }, false, 0, 0},
		{"19 failures over 6 days: too few", func(f *fixture) { f.fail(19, 6*day) }, false, 0, 0},
		{"a delivery ends the streak", func(f *fixture) {
			f.fail(30, 4*day)
			f.clock.Advance(time.Hour)
			f.deliver()
			f.clock.Advance(time.Hour)
			f.fail(30, 2*day)
		}, false, 0, 0},
		{"a later streak long enough", func(f *fixture) {
			f.fail(5, 4*time.Hour)
			f.deliver()
			f.clock.Advance(time.Hour)
			f.fail(25, 5*day)
		}, true, 5 * time.Hour, 25},
		{"skipped attempts and tests neither count nor end it", func(f *fixture) {
			f.fail(10, 9*time.Hour)
			for range 50 {
				f.clock.Advance(2 * time.Hour)
				f.tr.Observe(schema.LoggedAttempt{HookID: hookID, ClientID: client, At: f.clock.Now(), Outcome: schema.LoggedSkipped})
				f.tr.Observe(schema.LoggedAttempt{HookID: hookID, ClientID: client, At: f.clock.Now(), Outcome: schema.LoggedDelivered, Test: true})
				f.tr.Observe(schema.LoggedAttempt{HookID: hookID, ClientID: client, At: f.clock.Now(), Outcome: schema.LoggedFailed, Test: true})
			}
			f.fail(1, 0)
		}, false, 0, 0},
		{"enough failures, then silence until the period ends: the sweep disables", func(f *fixture) {
			f.fail(20, 19*time.Hour)
			f.clock.Advance(5*day - 19*time.Hour)
		}, true, 0, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			f.tr.CaughtUp()
			tt.play(f)
			f.step()
			h, notes := f.hook(), f.notes.all()
			if !tt.disabled {
				if !h.Enabled() || len(notes) != 0 {
					t.Fatalf("hook %+v, notices %+v: want it enabled, no notice", h, notes)
				}
				return
			}
			want := schema.AutoDisabled{At: f.clock.Now().Truncate(time.Second), FailingSince: start.Add(tt.since), FailedAttempts: tt.failures,
				LastError: "HTTP 503 Service Unavailable"}
			if h.Enabled() || h.AutoDisabled == nil || *h.AutoDisabled != want {
				t.Fatalf("hook %+v (auto_disabled %+v): want disabled with %+v", h, h.AutoDisabled, want)
			}
			wantNote := schema.AutoDisableNotice{Hook: schema.HookRef{ID: hookID, ClientID: client, DestinationID: 3, URL: "https://hooks.example.com/catch"}, AutoDisabled: want}
			if len(notes) != 1 || notes[0] != wantNote {
				t.Errorf("notices %+v, want one: %+v", notes, wantNote)
			}
			f.step() // nothing more
			if n := len(f.notes.all()); n != 1 || f.reg.calls != 1 {
				t.Errorf("after another step: %d notices, %d disables; want 1, 1", n, f.reg.calls)
			}
		})
	}
}

// TestNothingDecidedWhileCatchingUp: history read back at start decides
// nothing until it is all read: a delivery later in it ends the streak.
func TestNothingDecidedWhileCatchingUp(t *testing.T) {
	f := newFixture(t, Config{})
	f.fail(30, 6*day) // ripe at its last record
	f.step()
	if !f.hook().Enabled() {
		t.Fatal("disabled before the history was read")
	}
	f.deliver()
	f.tr.CaughtUp()
	f.step()
	if !f.hook().Enabled() || len(f.notes.all()) != 0 {
		t.Errorf("hook %+v, notices %v: want enabled, none", f.hook(), f.notes.all())
	}
}

// TestChangedHookStartsThePeriodAnew: a hook enabled again (or otherwise
// changed) after its streak began is judged from that change; a hook
// disabled by hand is left alone.
func TestChangedHookStartsThePeriodAnew(t *testing.T) {
	f := newFixture(t, Config{})
	f.tr.CaughtUp()
	f.fail(10, 5*day)
	h := f.hook()
	h.ModifiedAt = f.clock.Now().Truncate(time.Second) // enabled again, a secret rotated
	f.reg.set(h)
	f.fail(20, 4*day) // 9 days of failures, 4 since the change
	f.step()
	if !f.hook().Enabled() {
		t.Fatalf("disabled %+v: the period began at the change", f.hook().AutoDisabled)
	}
	// The failures before this step are not known to be after the change:
	// it counts from none, so 20 more are needed.
	f.fail(20, day)
	f.step()
	if got := f.hook(); got.Enabled() || !got.AutoDisabled.FailingSince.Equal(h.ModifiedAt) || got.AutoDisabled.FailedAttempts != 20 {
		t.Errorf("hook %+v (auto_disabled %+v): want disabled, failing since the change", got, got.AutoDisabled)
	}

	g := newFixture(t, Config{})
	g.tr.CaughtUp()
	byHand := g.hook()
	byHand.DisabledAt = new(start)
	g.reg.set(byHand)
	g.fail(30, 6*day)
	g.step()
	if got := g.hook(); got.AutoDisabled != nil || len(g.notes.all()) != 0 {
		t.Errorf("a hook disabled by hand was auto-disabled: %+v", got.AutoDisabled)
	}
}

// TestFailuresAreTriedAgain: a registry or notice failure leaves the hook
// due; the next step does it, and the notice is sent once.
func TestFailuresAreTriedAgain(t *testing.T) {
	f := newFixture(t, Config{})
	f.tr.CaughtUp()
	f.reg.fail = errors.New("kafka down")
	f.notes.fail = errors.New("kafka down")
	f.fail(20, 6*day)
	f.step()
	if !f.hook().Enabled() {
		t.Fatal("disabled although the registry failed")
	}
	f.reg.fail = nil
	f.step()
	if f.hook().Enabled() || len(f.notes.all()) != 0 {
		t.Fatalf("hook %+v, notices %v: want disabled, no notice yet", f.hook(), f.notes.all())
	}
	f.notes.fail = nil
	f.step()
	f.step()
	if n := len(f.notes.all()); n != 1 || f.reg.calls != 1 {
		t.Errorf("%d notices, %d disables; want 1, 1", n, f.reg.calls)
	}
}

// TestRestartSendsTheNoticeAgain: a tracker that reads back the same
// history (a restart; a second instance) finds the hook auto-disabled for
// the same streak and sends the notice again, with the same failing_since,
// which the email role mails once; it does not disable again.
func TestRestartSendsTheNoticeAgain(t *testing.T) {
	f := newFixture(t, Config{})
	f.tr.CaughtUp()
	f.fail(20, 6*day)
	f.step()
	first := f.notes.all()

	again, err := New(Config{Clock: f.clock}, f.reg, f.notes)
	if err != nil {
		t.Fatal(err)
	}
	f.tr = again
	f.clock.Advance(-6 * day) // replay the same history
	f.fail(20, 6*day)
	f.tr.CaughtUp()
	f.step()
	notes := f.notes.all()
	if len(first) != 1 || len(notes) != 2 || notes[1] != first[0] || f.reg.calls != 1 {
		t.Errorf("notices %+v after %+v, %d disables: want the same notice again, one disable", notes, first, f.reg.calls)
	}
}

// TestRunDisablesAsAttemptsArrive: Run acts on an attempt that makes a
// streak ripe, and on the clock's sweep, and stops with ctx.
func TestRunDisablesAsAttemptsArrive(t *testing.T) {
	f := newFixture(t, Config{Sweep: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.tr.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	f.tr.CaughtUp()
	f.fail(20, 5*day)
	wait.For(t, 10*time.Second, func() (bool, string) {
		return len(f.notes.all()) == 1, fmt.Sprintf("hook %+v, notices %v", f.hook().AutoDisabled, f.notes.all())
	})
	// A second hook, failing for a day, reaches the period by the sweep.
	other := f.hook()
	other.ID, other.DisabledAt, other.AutoDisabled, other.ModifiedAt = 8, nil, nil, other.CreatedAt
	f.reg.set(other)
	for range 20 {
		f.tr.Observe(schema.LoggedAttempt{HookID: 8, ClientID: client, At: f.clock.Now(), Outcome: schema.LoggedFailed, Status: 500})
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		return f.clock.Waiting(time.Minute) == 1, "Run not waiting for its sweep"
	})
	f.clock.Advance(5 * day)
	wait.For(t, 10*time.Second, func() (bool, string) {
		h, _ := f.reg.Hook(8)
		return !h.Enabled() && len(f.notes.all()) == 2, fmt.Sprintf("hook 8 %+v, notices %v", h.AutoDisabled, f.notes.all())
	})
}
