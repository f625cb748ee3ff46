package hook

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Limits per account; deleted objects do not count.
const (
	MaxHooks      = 10
	MaxRecipients = 10
)

// lockStripes is the number of locks that serialize the writes of accounts
// (an account always takes the same one).
const lockStripes = 64

// Store is the registry: the materialized view of the hooks and recipients
// topics, and the writer of changes to them. Run must be running for writes
// to succeed and for changes made elsewhere to be seen. Its methods are safe
// for concurrent use.
type Store struct {
	cfg   Config
	log   *zap.Logger
	kafka Kafka
	now   func() time.Time
	locks [lockStripes]chan struct{}

	mu       sync.RWMutex // guards the fields below
	v        view
	applied  map[string]int64 // topic → offset of the last record applied
	changed  chan struct{}    // closed and replaced whenever applied moves
	caughtUp map[string]bool  // topics read up to their end offset at start

	ledgers map[string]*ledger // topic → its limit decisions; guarded by mu

	ready   chan struct{} // closed once both topics are caught up
	started atomic.Bool
	stopped atomic.Bool

	probMu     sync.Mutex
	problems   []Problem
	probCounts map[ProblemKind]int64
}

// NewStore makes a Store; it does not touch the network until Run.
func NewStore(cfg Config, log *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{
		cfg:      cfg,
		log:      log,
		kafka:    cfg.Kafka,
		now:      time.Now,
		v:        newView(),
		applied:  map[string]int64{cfg.HooksTopic: -1, cfg.RecipientsTopic: -1},
		changed:  make(chan struct{}),
		caughtUp: make(map[string]bool),
		ledgers: map[string]*ledger{
			cfg.HooksTopic:      newLedger(MaxHooks),
			cfg.RecipientsTopic: newLedger(MaxRecipients),
		},
		ready:      make(chan struct{}),
		probCounts: map[ProblemKind]int64{},
	}
	for i := range s.locks {
		s.locks[i] = make(chan struct{}, 1)
	}
	return s, nil
}

// Ready reports whether both topics were read up to the end offset they had
// when Run started.
func (s *Store) Ready() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// Wait blocks until the Store is ready or ctx is done.
func (s *Store) Wait(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// usable says why writes cannot be made now, if they cannot.
func (s *Store) usable() error {
	switch {
	case s.stopped.Load():
		return fmt.Errorf("%w: the store has stopped", ErrUnavailable)
	case !s.Ready():
		return fmt.Errorf("%w: the store is still reading its topics", ErrUnavailable)
	}
	return nil
}

// lockClient serializes the writes of one account on this instance. The
// limits do not depend on it (the ledger decides them from the log, for
// every instance alike); it saves the writes a check made meanwhile by
// another request of the same instance would have refused.
func (s *Store) lockClient(ctx context.Context, client int64) (unlock func(), err error) {
	l := s.locks[uint64(client)%lockStripes]
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for another change of the account: %w", ErrUnavailable, ctx.Err())
	}
}

// markReady records that topic was read up to its end offset at start.
func (s *Store) markReady(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.caughtUp[topic] {
		return
	}
	s.caughtUp[topic] = true
	for _, c := range s.ledgers[topic].settle() {
		s.put(topic, c)
	}
	if len(s.caughtUp) == 2 {
		close(s.ready)
		s.log.Info("hook registry ready", zap.Int("hooks", len(s.v.hooks)), zap.Int("recipients", len(s.v.recipients)))
	}
}
