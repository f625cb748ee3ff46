package operator

import (
	"context"
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// Hooks is the hook registry. *hook.Store satisfies it.
type Hooks interface {
	// Ready reports whether the registry has caught up; until then the
	// view answers 503.
	Ready() bool
	// AllHooks returns every live hook of every account, disabled ones
	// included.
	AllHooks() []schema.Hook
}

// Attempts answers a hook's attempts from the delivery log: those that
// started at or after since, newest first, at most limit.
type Attempts interface {
	Recent(clientID, hookID int64, since time.Time, limit int) ([]schema.LoggedAttempt, error)
}

// AttemptsFunc adapts a function to Attempts.
type AttemptsFunc func(clientID, hookID int64, since time.Time, limit int) ([]schema.LoggedAttempt, error)

// Recent calls f.
func (f AttemptsFunc) Recent(clientID, hookID int64, since time.Time, limit int) ([]schema.LoggedAttempt, error) {
	return f(clientID, hookID, since, limit)
}

// DeadLetters reads the dead-letter queue. *dlq.Queue satisfies it.
type DeadLetters interface {
	// Scan calls fn with each dead letter f selects, oldest dead_at first,
	// and whether it was replayed.
	Scan(ctx context.Context, f dlq.Filter, fn func(e dlq.Entry, replayed bool) error) error
}

// Offsets reads a consumer group's commits beside the partitions' spans.
// *consumer.Client satisfies it.
type Offsets interface {
	// GroupOffsets calls fn for every partition of topic, in ascending
	// order, with its first offset, the group's committed offset (-1:
	// none) and its end offset.
	GroupOffsets(ctx context.Context, group, topic string, fn func(partition int, first, committed, end int64)) error
}

// Group is a consumer group of postload and the topics it reads.
type Group struct {
	Name   string
	Topics []string
}

// AutoDisabled says whether postload disabled a hook by itself and why,
// from the hook's record; nil when the record does not say so (disabled
// through the API or the console). Config.AutoDisabled is where the
// auto-disable record is read.
type AutoDisabled struct {
	FailingSince   time.Time
	FailedAttempts int
	LastError      string
}
