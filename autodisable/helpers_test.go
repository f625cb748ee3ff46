package autodisable

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/schema"
)

// fakeRegistry holds hooks and applies AutoDisableHook as hook.Store does.
type fakeRegistry struct {
	mu    sync.Mutex
	hooks map[int64]schema.Hook
	now   func() time.Time
	fail  error // AutoDisableHook's error, when set
	calls int   // AutoDisableHook calls that changed the hook
}

var _ Registry = (*fakeRegistry)(nil)

func (r *fakeRegistry) Hook(id int64) (schema.Hook, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hooks[id]
	return h, ok && h.DeletedAt == nil
}

func (r *fakeRegistry) AutoDisableHook(_ context.Context, client, id int64, why schema.AutoDisabled) (schema.Hook, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return schema.Hook{}, r.fail
	}
	h, ok := r.hooks[id]
	if !ok || h.ClientID != client {
		return schema.Hook{}, context.Canceled
	}
	if !h.Enabled() || h.ModifiedAt.After(why.FailingSince) {
		return h, nil
	}
	now := r.now().UTC().Truncate(time.Second)
	why.At = now
	h.ModifiedAt, h.DisabledAt, h.AutoDisabled = now, &now, &why
	r.hooks[id] = h
	r.calls++
	return h, nil
}

func (r *fakeRegistry) set(h schema.Hook) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hooks[h.ID] = h
}

// notices collects the notices sent.
type notices struct {
	mu   sync.Mutex
	got  []schema.AutoDisableNotice
	fail error
}

func (n *notices) Notify(_ context.Context, x schema.AutoDisableNotice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.got = append(n.got, x)
	return nil
}

func (n *notices) all() []schema.AutoDisableNotice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]schema.AutoDisableNotice(nil), n.got...)
}

// start is when every test's clock starts.
var start = time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	hookID = 7
	client = 1
)

// fixture is a Tracker over a fake registry with hook 7 of account 1
// (created a day before start), a notice collector and a fake clock.
type fixture struct {
	tr    *Tracker
	reg   *fakeRegistry
	notes *notices
	clock *clock.Fake
}

func newFixture(tb testing.TB, cfg Config) *fixture {
	tb.Helper()
	f := &fixture{clock: clock.NewFake(start), notes: &notices{}}
	created := start.Add(-24 * time.Hour)
	f.reg = &fakeRegistry{now: f.clock.Now, hooks: map[int64]schema.Hook{hookID: {
		ID: hookID, ClientID: client, DestinationID: 3, Type: schema.HookTypePostLoad, Version: 1,
		Config:    schema.HookConfig{URL: "https://hooks.example.com/catch"},
		CreatedAt: created, ModifiedAt: created,
	}}}
	cfg.Clock, cfg.Log = f.clock, zaptest.NewLogger(tb)
	tr, err := New(cfg, f.reg, f.notes)
	if err != nil {
		tb.Fatal(err)
	}
	f.tr = tr
	return f
}

// fail observes n failed attempts of hook 7 spread evenly over span from
// the clock's now, the last one exactly span later, moving the clock along.
func (f *fixture) fail(n int, span time.Duration) {
	base := f.clock.Now()
	for i := range n {
		if i > 0 {
			f.clock.Advance(base.Add(time.Duration(int64(span) * int64(i) / int64(n-1))).Sub(f.clock.Now()))
		}
		f.tr.Observe(schema.LoggedAttempt{EventID: "ev", HookID: hookID, ClientID: client, Attempt: 1, At: f.clock.Now(),
			Outcome: schema.LoggedFailed, Status: 503, Error: "HTTP 503 Service Unavailable"})
	}
}

func (f *fixture) deliver() {
	f.tr.Observe(schema.LoggedAttempt{EventID: "ev", HookID: hookID, ClientID: client, Attempt: 1, At: f.clock.Now(),
		Outcome: schema.LoggedDelivered, Status: 200})
}

// step does what Run does on a tick: judge by the clock, then decide.
func (f *fixture) step() {
	f.tr.sweep()
	f.tr.act(context.Background())
}

func (f *fixture) hook() schema.Hook {
	h, _ := f.reg.Hook(hookID)
	return h
}
