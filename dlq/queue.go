package dlq

import (
	"context"
	"time"
)

// Queue is the dead-letter queue as a long-lived server uses it: the
// account API lists an account's dead letters with whether each was
// replayed, and replays them to the registry's hooks through one
// publisher. It starts nothing; its methods are safe for concurrent use.
type Queue struct {
	cfg   Config
	hooks Hooks
	pub   Publisher
	now   func() time.Time
}

// NewQueue checks cfg and returns its Queue. Replays check hooks for each
// dead letter's hook, publish through pub and stamp their markers with now.
func NewQueue(cfg Config, hooks Hooks, pub Publisher, now func() time.Time) (*Queue, error) {
	cfg, err := cfg.prepare()
	if err != nil {
		return nil, err
	}
	return &Queue{cfg: cfg, hooks: hooks, pub: pub, now: now}, nil
}

// Scan calls fn with every dead letter f selects, as Scan does, and with
// whether it was replayed: whether ReplayedTopic holds its marker (read
// before the dead letters, so a replay that runs meanwhile may not show).
func (q *Queue) Scan(ctx context.Context, f Filter, fn func(e Entry, replayed bool) error) error {
	marked, err := readMarkers(ctx, q.cfg, q.cfg.ReplayedTopic)
	if err != nil {
		return err
	}
	return Scan(ctx, q.cfg, f, func(e Entry) error {
		_, replayed := marked[e.ID]
		return fn(e, replayed)
	})
}

// Replay replays the dead letters f selects (see Replay). Replays that run
// at the same time may replay the same dead letters: the caller runs them
// one at a time.
func (q *Queue) Replay(ctx context.Context, f Filter, dryRun bool) (ReplayResult, error) {
	return Replay(ctx, q.cfg, f, q.hooks, q.pub, dryRun, q.now)
}
