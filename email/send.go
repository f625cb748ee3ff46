package email

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
)

// MaxMessageAttempts is how often one message may be refused by a working
// SMTP server (RCPT or DATA rejected) before it is given up; with the
// backoff that is about a quarter of an hour by default.
const MaxMessageAttempts = 20

// attempt tries to send j once. Sent (or given up), it is marked so in the
// state topic and leaves the queue; failed, it waits for its next try (or,
// when the destination as a whole is unavailable, every job waits).
func (s *Sender) attempt(ctx context.Context, j *job) (done bool) {
	m, err := s.message(j.letter)
	if err != nil { // a bug: retrying would not help
		j.log.Error("email cannot be built; left owed, not sent", zap.Error(err))
		return true
	}
	where, err := s.transport.deliver(ctx, m, j.letter.fileName())
	if err == nil {
		s.mu.Lock()
		s.gateFails = 0
		s.mu.Unlock()
		s.stats.sent.Add(1)
		j.log.Info("email sent", zap.String("via", where), zap.Int("recipients", len(j.letter.To)),
			zap.Int("records", j.letter.Covers), zap.Int("failed_attempts", j.attempts))
		s.mark(j)
		return true
	}
	if ctx.Err() != nil {
		return false // interrupted, not failed
	}
	s.stats.failures.Add(1)
	j.attempts++
	if !errors.Is(err, errUnavailable) && j.attempts >= MaxMessageAttempts {
		// The server works but refuses this message (a recipient or its
		// content): retrying it for ever would hold back every email
		// behind it. Give up, counted and logged with the records it
		// covered.
		s.stats.rejected.Add(1)
		j.log.Error("email refused by the SMTP server every time; given up", zap.String("via", where),
			zap.Int("attempts", j.attempts), zap.Int("records", j.letter.Covers), zap.Error(err))
		s.mark(j)
		return true
	}
	now := s.cfg.Clock.Now()
	wait := backoff.Wait(j.attempts, s.cfg.RetryMin, s.cfg.RetryMax)
	s.mu.Lock()
	if errors.Is(err, errUnavailable) {
		s.gateFails++
		wait = backoff.Wait(s.gateFails, s.cfg.RetryMin, s.cfg.RetryMax)
		s.gate = now.Add(wait)
	} else {
		j.notBefore = now.Add(wait)
	}
	s.mu.Unlock()
	j.log.Warn("email not sent; will retry", zap.String("via", where),
		zap.Int("attempt", j.attempts), zap.Duration("retry_in", wait), zap.Error(err))
	return false
}

// mark tombstones j's letter in the state topic: it is no longer owed. It
// retries while the partition is owned, and once more after it was given
// up; if that fails too, the next owner sends the email again (with the
// same Message-ID).
func (s *Sender) mark(j *job) {
	rec := []record{{key: j.part.src.emailKey(j.letter.ID)}}
	pause := backoff.First
	for {
		err := s.state.write(context.Background(), rec)
		if err == nil {
			return
		}
		select {
		case <-j.part.released:
			j.log.Error("email sent, but marking it sent failed; the partition's next owner sends it again, with the same Message-ID", zap.Error(err))
			return
		default:
		}
		j.log.Warn("marking email sent; retrying", zap.Duration("after", pause), zap.Error(err))
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-j.part.released:
		}
		t.Stop()
		pause = min(2*pause, backoff.Max)
	}
}
