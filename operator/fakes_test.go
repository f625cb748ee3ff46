package operator

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

type fakeHooks struct {
	mu    sync.Mutex
	ready bool
	hooks []schema.Hook
}

var _ Hooks = (*fakeHooks)(nil)

func (f *fakeHooks) Ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ready
}

func (f *fakeHooks) AllHooks() []schema.Hook {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]schema.Hook(nil), f.hooks...)
}

// fakeAttempts holds attempts per hook id, newest first.
type fakeAttempts struct {
	byHook map[int64][]schema.LoggedAttempt
	err    error
}

var _ Attempts = (*fakeAttempts)(nil)

func (f *fakeAttempts) Recent(clientID, hookID int64, since time.Time, limit int) ([]schema.LoggedAttempt, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []schema.LoggedAttempt
	for _, a := range f.byHook[hookID] {
		if a.ClientID == clientID && !a.At.Before(since) && len(out) < limit {
			out = append(out, a)
		}
	}
	return out, nil
}

type deadLetter struct {
	e        dlq.Entry
	replayed bool
}

type fakeDeadLetters struct {
	letters []deadLetter
	err     error
	filters []dlq.Filter
}

var _ DeadLetters = (*fakeDeadLetters)(nil)

func (f *fakeDeadLetters) Scan(ctx context.Context, flt dlq.Filter, fn func(dlq.Entry, bool) error) error {
	f.filters = append(f.filters, flt)
	if f.err != nil {
		return f.err
	}
	for _, d := range f.letters {
		if flt.Match(d.e.DeadLetter) {
			if err := fn(d.e, d.replayed); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeDeadLetters) add(client, hook int64, deadAt time.Time, replayed bool) {
	dl := schema.DeadLetter{DeadAt: deadAt}
	dl.Hook.ClientID, dl.Hook.ID = client, hook
	f.letters = append(f.letters, deadLetter{dlq.Entry{ID: fmt.Sprintf("0-%d", len(f.letters)), DeadLetter: dl}, replayed})
}

// fakeOffsets answers group → topic → partitions as [first, committed, end].
type fakeOffsets struct {
	m   map[string]map[string][][3]int64
	err map[string]error // by topic
}

var _ Offsets = (*fakeOffsets)(nil)

func (f *fakeOffsets) GroupOffsets(ctx context.Context, group, topic string, fn func(int, int64, int64, int64)) error {
	if err := f.err[topic]; err != nil {
		return err
	}
	for p, o := range f.m[group][topic] {
		fn(p, o[0], o[1], o[2])
	}
	return nil
}
