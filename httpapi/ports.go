package httpapi

import (
	"context"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// Tokens answers which account a bearer token belongs to. *token.File
// satisfies it.
type Tokens interface {
	ClientID(token string) (int64, bool)
}

// Registry is the hook and recipient registry. *hook.Store satisfies it;
// its errors (hook.ErrNotFound and the others) decide the answers.
type Registry interface {
	// Ready reports whether the registry has caught up; until then every
	// call answers 503.
	Ready() bool
	HookRegistry
	RecipientRegistry
}

// HookRegistry holds the accounts' hooks.
type HookRegistry interface {
	// Hook returns a hook, enabled or disabled; false once it is deleted.
	Hook(id int64) (schema.Hook, bool)
	Hooks(clientID int64) []schema.Hook
	CreateHook(ctx context.Context, clientID, destinationID int64, url string) (schema.Hook, error)
	SetHookEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Hook, error)
	RotateSecret(ctx context.Context, clientID, id int64) (schema.Hook, error)
	DeleteHook(ctx context.Context, clientID, id int64) error
}

// RecipientRegistry holds the accounts' notification email recipients.
type RecipientRegistry interface {
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

// Attempts is the index of the delivery log. *attemptlog.Index satisfies
// it.
type Attempts interface {
	// Ready reports whether the index has read the log; until then the
	// attempts call answers 503.
	Ready() bool
	// Attempts returns a page of the attempts of an account's hook, newest
	// first; attemptlog.ErrBadCursor for a cursor it did not give.
	Attempts(clientID, hookID int64, q attemptlog.Query) (attemptlog.Page, error)
}

// Tester sends a hook one test webhook (POST /hooks/{id}/test).
// *dispatcher.Dispatcher satisfies it.
type Tester interface {
	// SendTest makes one attempt of a sample webhook, marked as a test,
	// and returns what came of it, whatever the receiver answered; an
	// error only when ctx ended first.
	SendTest(ctx context.Context, h schema.Hook) (schema.LoggedAttempt, error)
}
