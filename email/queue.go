package email

import (
	"time"

	"go.uber.org/zap"
)

// job is one email waiting to be sent.
type job struct {
	letter    *letter
	covers    int      // records the email covers
	done      *outcome // resolved when it was sent
	attempts  int      // failed so far
	notBefore time.Time
	log       *zap.Logger
}

// enqueue queues j for Run; after Run stopped, it fails j's waiters instead.
func (s *Sender) enqueue(j *job) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		j.done.resolve(ErrStopped)
		return
	}
	s.queue = append(s.queue, j)
	s.mu.Unlock()
	s.wake()
}

// ready returns the oldest job that may be attempted at now, or nil.
func (s *Sender) ready(now time.Time) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.gate) {
		return nil
	}
	for _, j := range s.queue {
		if !now.Before(j.notBefore) {
			return j
		}
	}
	return nil
}

// nextDue is the earliest time a queued job may be attempted, and whether
// any job is queued.
func (s *Sender) nextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return time.Time{}, false
	}
	due := s.queue[0].notBefore
	for _, j := range s.queue[1:] {
		if j.notBefore.Before(due) {
			due = j.notBefore
		}
	}
	if s.gate.After(due) {
		due = s.gate
	}
	return due, true
}

// remove takes j off the queue.
func (s *Sender) remove(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.queue {
		if q == j {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return
		}
	}
}
