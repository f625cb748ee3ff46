package email

import (
	"context"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
	"go.uber.org/zap"
)

// HandleLoadFailure adds a failed load (value of load-failed) to its
// account's batch and returns nil once the batch's email, sent when
// Config.FailedLoadWindow after the account's first failure ends, was
// sent. Errors and skips are as for HandleDeadLetter. It is safe for
// concurrent use.
func (s *Sender) HandleLoadFailure(ctx context.Context, value []byte) error {
	f, err := schema.DecodeLoadFailure(value)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(s.addresses(f.ClientID)) == 0 {
		s.stats.skipped.Add(1)
		s.cfg.Log.Info("no enabled recipient: failed load not mailed",
			zap.String("event_id", f.EventID), zap.Int64("client_id", f.ClientID))
		return nil
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ErrStopped
	}
	b := s.accounts[f.ClientID]
	if b == nil {
		b = newBatch(f.ClientID, time.Now(), s.cfg.FailedLoadWindow)
		s.accounts[f.ClientID] = b
		s.wake()
	}
	b.add(f)
	s.mu.Unlock()
	return b.done.wait(ctx)
}

// closeBatch queues the email of a closed batch.
func (s *Sender) closeBatch(b *batch) {
	log := s.cfg.Log.With(zap.Int64("client_id", b.clientID))
	to := s.addresses(b.clientID)
	if len(to) == 0 {
		s.skip(b.done, b.records, log)
		return
	}
	l, err := s.failedLoadsLetter(b, to)
	if err != nil {
		log.Error("failed-loads email cannot be built", zap.Error(err))
		b.done.resolve(err)
		return
	}
	s.enqueue(&job{letter: l, covers: b.records, done: b.done, log: log.With(zap.String("email", l.kind))})
}
