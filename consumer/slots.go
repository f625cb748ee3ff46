package consumer

import (
	"context"
	"sync/atomic"
)

// slots bounds the messages in flight: one of a partition, or the group's
// in this process. A fetch loop takes a slot before it fetches, so a full
// bound stops the fetching (backpressure) instead of buffering.
type slots struct {
	c       chan struct{}
	waiters atomic.Int32 // fetch loops blocked on a full bound
}

func newSlots(n int) *slots { return &slots{c: make(chan struct{}, n)} }

// take takes a slot, waiting while the bound is full; false when ctx ends
// first.
func (s *slots) take(ctx context.Context) bool {
	select {
	case s.c <- struct{}{}:
		return true
	default:
	}
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	select {
	case s.c <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// give returns a slot.
func (s *slots) give() { <-s.c }

// waiting is how many fetch loops wait for a slot.
func (s *slots) waiting() int { return int(s.waiters.Load()) }
