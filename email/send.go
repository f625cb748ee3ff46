package email

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// MaxMessageAttempts is how often one message may be refused by a working
// SMTP server (RCPT or DATA rejected) before it is given up; with the
// backoff that is about a quarter of an hour by default.
const MaxMessageAttempts = 20

// attempt tries to send j once. On success j leaves the queue and its
// waiters are released; on failure it waits for its next try (or, when the
// destination as a whole is unavailable, every job waits).
func (s *Sender) attempt(ctx context.Context, j *job) {
	m, err := s.message(j.letter)
	if err != nil { // a bug: retrying would not help
		s.remove(j)
		j.log.Error("email cannot be built; dropped", zap.Error(err))
		j.done.resolve(err)
		return
	}
	where, err := s.transport.deliver(ctx, m, j.letter.id)
	if err == nil {
		s.remove(j)
		s.mu.Lock()
		s.gateFails = 0
		s.mu.Unlock()
		s.stats.sent.Add(1)
		j.log.Info("email sent", zap.String("via", where), zap.Int("recipients", len(j.letter.to)),
			zap.Int("records", j.covers), zap.Int("failed_attempts", j.attempts))
		j.done.resolve(nil)
		return
	}
	if ctx.Err() != nil {
		return // interrupted, not failed: the flush tries again
	}
	s.stats.failures.Add(1)
	j.attempts++
	if !errors.Is(err, errUnavailable) && j.attempts >= MaxMessageAttempts {
		// The server works but refuses this message (a recipient or its
		// content): retrying it for ever would hold back every record behind
		// it. Give up, counted and logged with the records it covered.
		s.remove(j)
		s.stats.rejected.Add(1)
		j.log.Error("email refused by the SMTP server every time; given up", zap.String("via", where),
			zap.Int("attempts", j.attempts), zap.Int("records", j.covers), zap.Error(err))
		j.done.resolve(nil)
		return
	}
	now := time.Now()
	wait := backoff(j.attempts, s.cfg.RetryMin, s.cfg.RetryMax)
	s.mu.Lock()
	if errors.Is(err, errUnavailable) {
		s.gateFails++
		wait = backoff(s.gateFails, s.cfg.RetryMin, s.cfg.RetryMax)
		s.gate = now.Add(wait)
	} else {
		j.notBefore = now.Add(wait)
	}
	s.mu.Unlock()
	j.log.Warn("email not sent; will retry", zap.String("via", where),
		zap.Int("attempt", j.attempts), zap.Duration("retry_in", wait), zap.Error(err))
}
