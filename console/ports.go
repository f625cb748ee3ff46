package console

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// Tokens answers which account an API token belongs to. *token.File
// satisfies it: the console signs in with the API's tokens.
type Tokens interface {
	ClientID(token string) (int64, bool)
	// ClientIDOfDigest is ClientID of the token whose SHA-256 is sum: a
	// session keeps no more of its token.
	ClientIDOfDigest(sum [sha256.Size]byte) (int64, bool)
}

// Registry is the hook and recipient registry. *hook.Store satisfies it;
// its errors (hook.ErrNotFound, hook.ErrInvalidURL, ...) decide the
// messages, as they decide the API's answers.
type Registry interface {
	// Ready reports whether the registry has caught up; until then every
	// signed-in page answers 503.
	Ready() bool
	// Hook returns a hook, enabled or disabled; false once it is deleted.
	Hook(id int64) (schema.Hook, bool)
	Hooks(clientID int64) []schema.Hook
	CreateHook(ctx context.Context, clientID, destinationID int64, url string) (schema.Hook, error)
	SetHookEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Hook, error)
	RotateSecret(ctx context.Context, clientID, id int64) (schema.Hook, error)
	DeleteHook(ctx context.Context, clientID, id int64) error
	// AllRecipients returns the account's recipients, paused ones included.
	AllRecipients(clientID int64) []schema.Recipient
	CreateRecipient(ctx context.Context, clientID int64, email string) (schema.Recipient, error)
	SetRecipientEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Recipient, error)
	DeleteRecipient(ctx context.Context, clientID, id int64) error
}

// DeadLetters reads and replays the dead-letter queue. *dlq.Queue
// satisfies it.
type DeadLetters interface {
	// Scan calls fn with each dead letter f selects, oldest dead_at first,
	// and whether it was replayed.
	Scan(ctx context.Context, f dlq.Filter, fn func(e dlq.Entry, replayed bool) error) error
	// Replay puts the dead letters f selects back as fresh deliveries.
	Replay(ctx context.Context, f dlq.Filter, dryRun bool) (dlq.ReplayResult, error)
}

// Breakers reports the circuit breaker state ("closed", "half-open",
// "open") of every hook URL this process has sent to.
// *dispatcher.Dispatcher satisfies it. Nil (a process without the
// dispatch and retry roles): the hooks page has no breaker column.
type Breakers interface {
	BreakerStates() map[string]string
}

// AttemptLog answers the recent attempts of a hook (the delivery log).
// Nil: the hook page has no delivery log section, and the hooks page no
// last attempt or success rate.
type AttemptLog interface {
	// Attempts answers one page of the attempts q selects, newest first.
	// ErrLogNotReady while the log is still being read at start,
	// ErrBadCursor (wrapped) for a cursor no page gave.
	Attempts(ctx context.Context, q AttemptQuery) (AttemptPage, error)
}

// Errors an AttemptLog answers, checked with errors.Is.
var (
	ErrLogNotReady = errors.New("the delivery log is still being read")
	ErrBadCursor   = errors.New("the delivery log's cursor is not one a page gave")
)

// AttemptQuery selects attempts of one hook of one account.
type AttemptQuery struct {
	ClientID, HookID int64
	// Since <= at < Until; a zero time leaves that side open.
	Since, Until time.Time
	// EventID and Outcome (one of schema.Logged…) select when set.
	EventID, Outcome string
	// Limit is the most attempts answered; Cursor continues a page.
	Limit  int
	Cursor string
}

// AttemptPage is one page of attempts, newest first; Next continues it
// (empty: no more).
type AttemptPage struct {
	Attempts []schema.LoggedAttempt
	Next     string
}

// Tester sends one test webhook to a hook, without retries, and answers
// the attempt. Nil: the hook page has no send-test button.
type Tester interface {
	SendTest(ctx context.Context, h schema.Hook) (schema.LoggedAttempt, error)
}

// AutoDisable answers a hook's auto-disable state. Nil: the hook page has
// no auto-disable section.
type AutoDisable interface {
	// AutoDisableState is the hook's state; false when nothing is known
	// of it (no failure counted).
	AutoDisableState(hookID int64) (AutoDisableState, bool)
}

// AutoDisableState is what the hook page says of auto-disable.
type AutoDisableState struct {
	// FailingSince is when the current run of failed attempts began; nil
	// when the last attempt was delivered.
	FailingSince *time.Time
	// FailedAttempts counts the attempts of that run.
	FailedAttempts int
	// DisabledAt is when auto-disable disabled the hook; nil if it did not.
	DisabledAt *time.Time
	// After is how long a run of failures lasts before the hook is
	// disabled; 0 when auto-disable is off.
	After time.Duration
}
