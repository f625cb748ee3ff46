package console

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
	"github.com/postload/postload/token"
)

// The production implementations fit the interfaces.
var (
	_ Tokens      = (*token.File)(nil)
	_ Registry    = (*hook.Store)(nil)
	_ DeadLetters = (*dlq.Queue)(nil)
	_ Breakers    = (*dispatcher.Dispatcher)(nil)
)

// fakeTokens maps tokens to accounts; safe for concurrent use.
type fakeTokens struct {
	mu sync.Mutex
	m  map[string]int64
}

var _ Tokens = (*fakeTokens)(nil)

func (f *fakeTokens) ClientID(tok string) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.m[tok]
	return id, ok
}

func (f *fakeTokens) ClientIDOfDigest(sum [sha256.Size]byte) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok, id := range f.m {
		if sha256.Sum256([]byte(tok)) == sum {
			return id, true
		}
	}
	return 0, false
}

func (f *fakeTokens) remove(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, tok)
}

// fakeRegistry keeps hooks and recipients in memory, with the rules of
// hook.Store that the console shows: https URLs only, the limits, and
// ErrNotFound for what is not a live object of the account.
type fakeRegistry struct {
	mu         sync.Mutex
	next       int64
	hooks      map[int64]schema.Hook
	recipients map[int64]schema.Recipient
	notReady   bool
	fail       error // every write fails with it when set
}

var _ Registry = (*fakeRegistry)(nil)

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{hooks: map[int64]schema.Hook{}, recipients: map[int64]schema.Recipient{}}
}

var t0 = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)

func (f *fakeRegistry) Ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.notReady
}

func (f *fakeRegistry) Hook(id int64) (schema.Hook, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hooks[id]
	return h, ok && h.DeletedAt == nil
}

func (f *fakeRegistry) Hooks(client int64) []schema.Hook {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []schema.Hook
	for id := int64(1); id <= f.next; id++ {
		if h, ok := f.hooks[id]; ok && h.ClientID == client && h.DeletedAt == nil {
			out = append(out, h)
		}
	}
	return out
}

func (f *fakeRegistry) CreateHook(_ context.Context, client, dest int64, url string) (schema.Hook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return schema.Hook{}, f.fail
	}
	if !strings.HasPrefix(url, "https://") {
		return schema.Hook{}, hook.ErrInvalidURL
	}
	n := 0
	for _, h := range f.hooks {
		if h.ClientID == client && h.DeletedAt == nil {
			n++
		}
	}
	if n >= hook.MaxHooks {
		return schema.Hook{}, hook.ErrHookLimit
	}
	f.next++
	h := schema.Hook{ID: f.next, ClientID: client, Type: schema.HookTypePostLoad, DestinationID: dest,
		Config: schema.HookConfig{URL: url, Secret: "whsec_first" + strings.Repeat("A", 20)}, CreatedAt: t0, ModifiedAt: t0}
	f.hooks[h.ID] = h
	return h, nil
}

// edit changes a live hook of client.
func (f *fakeRegistry) edit(client, id int64, do func(*schema.Hook)) (schema.Hook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return schema.Hook{}, f.fail
	}
	h, ok := f.hooks[id]
	if !ok || h.ClientID != client || h.DeletedAt != nil {
		return schema.Hook{}, hook.ErrNotFound
	}
	do(&h)
	f.hooks[id] = h
	return h, nil
}

func (f *fakeRegistry) SetHookEnabled(_ context.Context, client, id int64, enabled bool) (schema.Hook, error) {
	return f.edit(client, id, func(h *schema.Hook) {
		h.DisabledAt = nil
		if !enabled {
			at := t0
			h.DisabledAt = &at
		}
	})
}

func (f *fakeRegistry) RotateSecret(_ context.Context, client, id int64) (schema.Hook, error) {
	return f.edit(client, id, func(h *schema.Hook) {
		h.Config.PreviousSecret, h.Config.Secret = h.Config.Secret, "whsec_rotated"+strings.Repeat("B", 20)
		exp := t0.Add(time.Hour)
		h.Config.PreviousSecretExpiresAt = &exp
	})
}

func (f *fakeRegistry) DeleteHook(_ context.Context, client, id int64) error {
	_, err := f.edit(client, id, func(h *schema.Hook) {
		at := t0
		h.DeletedAt = &at
	})
	return err
}

func (f *fakeRegistry) AllRecipients(client int64) []schema.Recipient {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []schema.Recipient
	for id := int64(1); id <= f.next; id++ {
		if r, ok := f.recipients[id]; ok && r.ClientID == client && r.DeletedAt == nil {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeRegistry) CreateRecipient(_ context.Context, client int64, email string) (schema.Recipient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.Contains(email, "@") || strings.ContainsAny(email, "<> ") {
		return schema.Recipient{}, hook.ErrInvalidEmail
	}
	f.next++
	r := schema.Recipient{ID: f.next, ClientID: client, EmailAddress: email, CreatedAt: t0}
	f.recipients[r.ID] = r
	return r, nil
}

func (f *fakeRegistry) editRecipient(client, id int64, do func(*schema.Recipient)) (schema.Recipient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.recipients[id]
	if !ok || r.ClientID != client || r.DeletedAt != nil {
		return schema.Recipient{}, hook.ErrNotFound
	}
	do(&r)
	f.recipients[id] = r
	return r, nil
}

func (f *fakeRegistry) SetRecipientEnabled(_ context.Context, client, id int64, enabled bool) (schema.Recipient, error) {
	return f.editRecipient(client, id, func(r *schema.Recipient) {
		r.DisabledAt = nil
		if !enabled {
			at := t0
			r.DisabledAt = &at
		}
	})
}

func (f *fakeRegistry) DeleteRecipient(_ context.Context, client, id int64) error {
	_, err := f.editRecipient(client, id, func(r *schema.Recipient) {
		at := t0
		r.DeletedAt = &at
	})
	return err
}

// fakeDeadLetters answers Scan and Replay with fixed entries and records
// the replays' filters.
type fakeDeadLetters struct {
	mu      sync.Mutex
	entries []dlq.Entry
	replays []replayCall
}

type replayCall struct {
	f   dlq.Filter
	dry bool
}

var _ DeadLetters = (*fakeDeadLetters)(nil)

func (f *fakeDeadLetters) Scan(_ context.Context, flt dlq.Filter, fn func(dlq.Entry, bool) error) error {
	f.mu.Lock()
	entries := append([]dlq.Entry(nil), f.entries...)
	f.mu.Unlock()
	for _, e := range entries {
		if e.DeadLetter.Hook.ClientID == flt.ClientID && e.DeadLetter.Hook.ID == flt.HookID {
			if err := fn(e, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeDeadLetters) Replay(_ context.Context, flt dlq.Filter, dry bool) (dlq.ReplayResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replays = append(f.replays, replayCall{flt, dry})
	res := dlq.ReplayResult{DryRun: dry, Skipped: map[string]int{}}
	for _, e := range f.entries {
		if e.DeadLetter.Hook.ClientID == flt.ClientID && e.DeadLetter.Hook.ID == flt.HookID && (flt.Until.IsZero() || e.DeadLetter.DeadAt.Before(flt.Until)) {
			res.Replayed++
		}
	}
	res.Skipped[dlq.SkipAlreadyReplayed] = 1
	return res, nil
}

func (f *fakeDeadLetters) calls() []replayCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]replayCall(nil), f.replays...)
}

// fakeBreakers answers fixed breaker states.
type fakeBreakers map[string]string

func (f fakeBreakers) BreakerStates() map[string]string { return f }

// fakeAttempts answers one page of fixed attempts to a first page, an
// empty one to a cursor, and records the queries.
type fakeAttempts struct {
	mu      sync.Mutex
	queries []AttemptQuery
	page    AttemptPage
}

var _ AttemptLog = (*fakeAttempts)(nil)

func (f *fakeAttempts) Attempts(_ context.Context, q AttemptQuery) (AttemptPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if q.Cursor != "" {
		return AttemptPage{}, nil
	}
	return f.page, nil
}

// tableQuery is the last query of a page of the log's table (not the
// charts' or the list's).
func (f *fakeAttempts) tableQuery() AttemptQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.queries) - 1; i >= 0; i-- {
		if f.queries[i].Limit == attemptsShown {
			return f.queries[i]
		}
	}
	return AttemptQuery{}
}

// fakeLog is a delivery log in memory that answers queries as the index
// does: the attempts of the query's hook and account that it selects,
// newest first, in pages; a cursor is the place of a page's end. err, if
// set, is every answer.
type fakeLog struct {
	mu       sync.Mutex
	attempts []schema.LoggedAttempt // oldest first
	err      error
}

var _ AttemptLog = (*fakeLog)(nil)

func (f *fakeLog) add(a ...schema.LoggedAttempt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, a...)
	slices.SortStableFunc(f.attempts, func(x, y schema.LoggedAttempt) int { return x.At.Compare(y.At) })
}

func (f *fakeLog) Attempts(_ context.Context, q AttemptQuery) (AttemptPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return AttemptPage{}, f.err
	}
	i := len(f.attempts)
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 0 || n > len(f.attempts) {
			return AttemptPage{}, fmt.Errorf("%w: %q", ErrBadCursor, q.Cursor)
		}
		i = n
	}
	var page AttemptPage
	for i--; i >= 0; i-- {
		a := f.attempts[i]
		if a.ClientID != q.ClientID || a.HookID != q.HookID || (!q.Since.IsZero() && a.At.Before(q.Since)) ||
			(!q.Until.IsZero() && !a.At.Before(q.Until)) || (q.EventID != "" && a.EventID != q.EventID) || (q.Outcome != "" && a.Outcome != q.Outcome) {
			continue
		}
		if len(page.Attempts) == q.Limit {
			page.Next = strconv.Itoa(i + 1)
			break
		}
		page.Attempts = append(page.Attempts, a)
	}
	return page, nil
}

// fakeTester answers a fixed attempt.
type fakeTester struct {
	at  schema.LoggedAttempt
	err error
}

func (f fakeTester) SendTest(context.Context, schema.Hook) (schema.LoggedAttempt, error) {
	return f.at, f.err
}

// fakeAutoDisable answers a fixed state.
type fakeAutoDisable struct{ st AutoDisableState }

func (f fakeAutoDisable) AutoDisableState(int64) (AutoDisableState, bool) { return f.st, true }

var errKafka = errors.New("kafka: broker 127.0.0.1:9092 unreachable")
