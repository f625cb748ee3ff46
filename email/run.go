package email

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"go.uber.org/zap"
)

// idle is how long Run sleeps when nothing is scheduled; a kick wakes it.
const idle = time.Hour

// Run closes the folding windows when they end and sends the emails, one
// at a time, retrying failures with backoff. When ctx ends it closes every
// open window, keeps sending for up to Config.FlushTimeout, fails the
// waiters of whatever is left with ErrStopped, and returns nil. It starts
// no goroutine. Run may be called once.
func (s *Sender) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("email: Run called twice")
	}
	s.loop(ctx, false)
	s.retryNow()
	flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.FlushTimeout)
	defer cancel()
	s.loop(flush, true)
	s.stop()
	return nil
}

// loop closes due windows and sends due emails until ctx ends. Draining, it
// closes every window at once and returns as soon as nothing is left.
func (s *Sender) loop(ctx context.Context, drain bool) {
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		windowEnd := s.closeWindows(now, drain)
		if j := s.ready(now); j != nil {
			s.attempt(ctx, j)
			continue
		}
		due, pending := s.nextDue()
		if drain && !pending && windowEnd.IsZero() {
			return
		}
		next := now.Add(idle)
		if pending && due.Before(next) {
			next = due
		}
		if !windowEnd.IsZero() && windowEnd.Before(next) {
			next = windowEnd
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
		case <-s.kick:
		case <-timer.C:
		}
	}
}

// retryNow lifts every backoff, so that the flush tries each email at once.
func (s *Sender) retryNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = time.Time{}
	for _, j := range s.queue {
		j.notBefore = time.Time{}
	}
}

// stop fails every email still queued or still collecting with ErrStopped
// and makes handlers refuse new records.
func (s *Sender) stop() {
	s.mu.Lock()
	s.stopped = true
	queue, hooks, accounts := s.queue, s.hooks, s.accounts
	s.queue, s.hooks, s.accounts = nil, map[int64]*cycle{}, map[int64]*batch{}
	s.mu.Unlock()
	for _, j := range queue {
		j.log.Warn("email not sent before the flush deadline; its records will be redelivered")
		j.done.resolve(ErrStopped)
	}
	for _, c := range hooks {
		c.digest.resolve(ErrStopped)
	}
	for _, b := range accounts {
		b.done.resolve(ErrStopped)
	}
}

// closeWindows closes the windows that ended by now (every window when all
// is set) and queues their emails. It returns the earliest end of those
// still open (zero if none).
func (s *Sender) closeWindows(now time.Time, all bool) (nextEnd time.Time) {
	var cycles []*cycle
	var batches []*batch
	s.mu.Lock()
	for id, c := range s.hooks {
		if all || !now.Before(c.end) {
			delete(s.hooks, id)
			cycles = append(cycles, c)
		} else if nextEnd.IsZero() || c.end.Before(nextEnd) {
			nextEnd = c.end
		}
	}
	for id, b := range s.accounts {
		if all || !now.Before(b.end) {
			delete(s.accounts, id)
			batches = append(batches, b)
		} else if nextEnd.IsZero() || b.end.Before(nextEnd) {
			nextEnd = b.end
		}
	}
	s.mu.Unlock()
	slices.SortFunc(cycles, func(a, b *cycle) int { return a.start.Compare(b.start) })
	slices.SortFunc(batches, func(a, b *batch) int { return cmp.Compare(a.clientID, b.clientID) })
	for _, c := range cycles {
		s.closeCycle(c)
	}
	for _, b := range batches {
		s.closeBatch(b)
	}
	return nextEnd
}

// skip resolves a closed window's waiters when its account has no enabled
// recipient any more.
func (s *Sender) skip(o *outcome, records int, log *zap.Logger) {
	s.stats.skipped.Add(int64(records))
	log.Info("no enabled recipient: records not mailed", zap.Int("records", records))
	o.resolve(nil)
}
