package dispatcher

import (
	"context"
	"time"

	"github.com/postload/postload/schema"
)

// HandleRetry makes the attempt of a retry record (a postload.retry.N
// value) and hands a failure on. The record must be due; WaitDue holds it
// until then.
func (d *Dispatcher) HandleRetry(ctx context.Context, src Source, value []byte) error {
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
