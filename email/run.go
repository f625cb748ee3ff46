package email

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Run joins the email role's consumer group and, until ctx ends, folds the
// records of the partitions it owns into their windows, closes the windows
// when they end and sends the emails owed, one at a time, retrying
// failures with backoff. When ctx ends it gives its partitions up (waiting
// for an email being sent at that moment, not for any window: what is
// open or owed stays in the state topic for the next owner), leaves the
// group and returns nil, after every goroutine it started has exited. Run
// may be called once.
func (s *Sender) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("email: Run called twice")
	}
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	var sending sync.WaitGroup
	sending.Go(func() { s.sendLoop(sendCtx) })
	err := s.runGroup(ctx) // returns once every partition was given up
	stopSending()
	sending.Wait()
	return err
}

// sendLoop sends the queued emails until ctx ends. ctx ends only after
// every partition was given up, so no send is cut short.
func (s *Sender) sendLoop(ctx context.Context) {
	for ctx.Err() == nil {
		now := s.cfg.Clock.Now()
		if j := s.take(now); j != nil {
			s.finish(j, s.attempt(ctx, j))
			continue
		}
		next, pending := s.nextDue()
		var wakeAt <-chan time.Time // nil: a kick or ctx only
		if pending {
			wakeAt = s.cfg.Clock.After(next.Sub(now))
		}
		select {
		case <-ctx.Done():
		case <-s.kick:
		case <-wakeAt:
		}
	}
}
