package email

import (
	"slices"
	"time"

	"go.uber.org/zap"
)

// job is one owed email of an owned partition, waiting to be sent.
type job struct {
	part      *part
	letter    *letter
	attempts  int // failed so far
	notBefore time.Time
	log       *zap.Logger
}

// own makes p's emails sendable: those it inherited first, oldest first.
func (s *Sender) own(p *part) {
	owed := make([]*letter, 0, len(p.state.owed))
	for _, l := range p.state.owed {
		owed = append(owed, l)
	}
	slices.SortFunc(owed, func(a, b *letter) int { return a.Date.Compare(b.Date) })
	s.mu.Lock()
	s.owned[p.src] = p
	s.mu.Unlock()
	s.enqueue(p, owed)
}

// enqueue queues letters of p for the sending loop, unless p was given up.
func (s *Sender) enqueue(p *part, letters []*letter) {
	if len(letters) == 0 {
		return
	}
	s.mu.Lock()
	if s.owned[p.src] != p {
		s.mu.Unlock()
		return
	}
	for _, l := range letters {
		s.queue = append(s.queue, &job{part: p, letter: l,
			log: p.log.With(zap.String("email", l.Kind), zap.String("email_id", l.ID), zap.Int64("client_id", l.ClientID))})
	}
	s.mu.Unlock()
	s.wake()
}

// release gives p up: its emails leave the queue, and release returns once
// none of them is being sent (or marked sent) any more. Whoever owns the
// partition next sends what is still owed.
func (s *Sender) release(p *part) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.owned[p.src] == p {
		delete(s.owned, p.src)
	}
	close(p.released)
	s.queue = slices.DeleteFunc(s.queue, func(j *job) bool { return j.part == p })
	for s.current != nil && s.current.part == p {
		s.idle.Wait()
	}
	p.log.Info("email partition given up")
}

// take returns the oldest job that may be attempted at now, or nil, and
// makes it the current one: release waits for it.
func (s *Sender) take(now time.Time) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.gate) {
		return nil
	}
	for _, j := range s.queue {
		if !now.Before(j.notBefore) {
			s.current = j
			return j
		}
	}
	return nil
}

// finish ends the current job; done takes it off the queue for good.
func (s *Sender) finish(j *job, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if done {
		s.queue = slices.DeleteFunc(s.queue, func(q *job) bool { return q == j })
	}
	s.current = nil
	s.idle.Broadcast()
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

// wake makes the sending loop look at the queue again.
func (s *Sender) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
