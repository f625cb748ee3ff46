package email

import (
	"context"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
	"go.uber.org/zap"
)

// HandleDeadLetter mails a dead letter (value of postload.dlq) to the
// enabled recipients of its hook's account, at once or folded into the
// hook's digest, and returns nil once that email was sent. It returns nil
// at once when the account has no enabled recipient (counted in
// Stats.SkippedNoRecipient); an error wrapping ErrInvalid when value does
// not decode; ctx.Err() when ctx ends first (the email is still sent);
// ErrStopped when Run has stopped. It is safe for concurrent use.
func (s *Sender) HandleDeadLetter(ctx context.Context, value []byte) error {
	dl, err := schema.DecodeDeadLetter(value)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	log := s.cfg.Log.With(zap.String("event_id", dl.EventID), zap.Int64("hook_id", dl.Hook.ID),
		zap.Int64("client_id", dl.Hook.ClientID), zap.String("reason", dl.Reason))
	to := s.addresses(dl.Hook.ClientID)
	if len(to) == 0 {
		s.stats.skipped.Add(1)
		log.Info("no enabled recipient: dead letter not mailed")
		return nil
	}
	o, atOnce, err := s.admit(dl)
	if err != nil {
		return err
	}
	if atOnce {
		l, err := s.deadLetterLetter(dl, to)
		if err != nil {
			o.resolve(err)
			return err
		}
		s.enqueue(&job{letter: l, covers: 1, done: o, log: log.With(zap.String("email", l.kind))})
	}
	return o.wait(ctx)
}

// admit decides, under the lock, whether dl is mailed at once (it opens its
// hook's window, or it is the window's first hook_gone) or folded into the
// digest, and returns what its handler waits on. A dead letter already seen
// in the window (a redelivery) waits on what it waited on before.
func (s *Sender) admit(dl schema.DeadLetter) (o *outcome, atOnce bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, false, ErrStopped
	}
	c := s.hooks[dl.Hook.ID]
	if c == nil {
		c = newCycle(dl, time.Now(), s.cfg.DigestWindow)
		s.hooks[dl.Hook.ID] = c
		s.wake() // a new window end to wait for
		if dl.Reason != schema.ReasonHookDisabled {
			return c.mailAtOnce(dl), true, nil
		}
	} else if o := c.seen[dl.EventID]; o != nil {
		return o, false, nil
	} else if dl.Reason == schema.ReasonHookGone && !c.goneMailed {
		return c.mailAtOnce(dl), true, nil
	}
	c.url = dl.Hook.URL
	s.stats.folded.Add(1)
	return c.fold(dl, s.cfg.DigestListMax), false, nil
}

// closeCycle queues the digest of a closed window, if anything was folded.
func (s *Sender) closeCycle(c *cycle) {
	if c.folded == 0 {
		c.digest.resolve(nil) // nobody waits on it
		return
	}
	log := s.cfg.Log.With(zap.Int64("hook_id", c.hookID), zap.Int64("client_id", c.clientID))
	to := s.addresses(c.clientID)
	if len(to) == 0 {
		s.skip(c.digest, c.folded, log)
		return
	}
	l, err := s.digestLetter(c, to)
	if err != nil {
		log.Error("digest cannot be built", zap.Error(err))
		c.digest.resolve(err)
		return
	}
	s.enqueue(&job{letter: l, covers: c.folded, done: c.digest, log: log.With(zap.String("email", l.kind))})
}
