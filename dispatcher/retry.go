package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
)

// HandleRetry makes the attempt of a retry record (a postload.retry.N
// value) and hands a failure on. The record must be due; WaitDue holds it
// until then.
func (d *Dispatcher) HandleRetry(ctx context.Context, src Source, value []byte) error {
	if passed, err := d.passOpen(ctx, value); passed {
		return err
	}
	dl, ev, err := schema.DecodeRetry(value)
	if err != nil {
		return d.Invalid(ctx, src, value, err)
	}
	h, ok := d.hooks.Hook(dl.HookID)
	switch {
	case !ok:
		d.log(ev, dl).Info("hook was deleted; dropping its pending delivery")
		return nil
	case !h.Enabled():
		return d.dead(ctx, d.log(ev, dl), ev.EventID, h, dl, schema.ReasonHookDisabled)
	}
	return d.attempt(ctx, ev, nil, h, dl) // dl.Event is the record's
}

// passOpen hands a record whose endpoint's breaker is open on to the next
// tier as the slow way would (a failed attempt, no request), without
// decoding and re-encoding its event, which was most of what a tier did
// with such a record: a dead endpoint's deliveries pass through every tier.
// It declines (false) a record the fast reader declines, a hook deleted or
// disabled, a breaker not open, and a last attempt: those go the slow way,
// which also validates the event.
func (d *Dispatcher) passOpen(ctx context.Context, value []byte) (bool, error) {
	if ctx.Err() != nil {
		return false, nil // shutting down: the slow way puts it back uncounted
	}
	id, ok := schema.PeekHookID(value)
	if !ok {
		return false, nil
	}
	h, ok := d.hooks.Hook(id)
	if !ok || !h.Enabled() || !d.endpoints.get(h.Config.URL, h.ID).open() {
		return false, nil
	}
	f, ok := schema.PeekForward(value)
	if !ok || f.HookID != h.ID || f.Attempt > len(d.cfg.RetryDelays) {
		return false, nil
	}
	now := d.now()
	out := Outcome{Attempt: schema.Attempt{Number: f.Attempt, StartedAt: now.UTC(), Error: ErrBreakerOpen.Error()}, NoRequest: true}
	d.observe(out, OutcomeSkipped)
	rec, err := f.Next(out.Attempt, f.Attempt+1, d.retryAt(now, f.Attempt, 0))
	if err != nil {
		return true, fmt.Errorf("encoding retry record: %w", err)
	}
	topic := d.cfg.RetryTopics[f.Attempt-1]
	if err := d.publish(ctx, topic, clientKey(h.ClientID), rec); err != nil {
		return true, fmt.Errorf("handing on hook %d's attempt %d to %s: %w", h.ID, f.Attempt, topic, err)
	}
	return true, nil
}

// WaitDue blocks until the retry record in value is due, or ctx ends. It
// reads only due_at; a record without one is due at once (HandleRetry
// then rejects it).
func (d *Dispatcher) WaitDue(ctx context.Context, value []byte) error {
	due, ok := schema.PeekDueAt(value)
	if !ok {
		return nil
	}
	wait := due.Sub(d.now())
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
