package dispatcher

import (
	"context"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
	"go.uber.org/zap"
)

// HandleRetry makes the attempt of a retry record (a postload.retry.N
// value) and hands a failure on. The record must be due; WaitDue holds it
// until then.
func (d *Dispatcher) HandleRetry(ctx context.Context, src Source, value []byte) error {
	dl, err := schema.DecodeDelivery(value)
	if err != nil {
		return d.Invalid(ctx, src, value, err)
	}
	ev, err := schema.DecodeLoadEvent([]byte(dl.Event))
	if err != nil {
		return d.Invalid(ctx, src, value, fmt.Errorf("retry record's event: %w", err))
	}
	log := d.cfg.Log.With(zap.String("event_id", ev.EventID), zap.Int64("hook_id", dl.HookID), zap.Int("attempt", dl.Attempt))
	h, ok := d.hooks.Hook(dl.HookID)
	switch {
	case !ok:
		log.Info("hook was deleted; dropping its pending delivery")
		return nil
	case !h.Enabled():
		return d.dead(ctx, log, h, dl, schema.ReasonHookDisabled)
	}
	return d.attempt(ctx, ev, h, dl)
}

// WaitDue blocks until the retry record in value is due, or ctx ends. A
// record that does not decode is due at once (HandleRetry rejects it).
func (d *Dispatcher) WaitDue(ctx context.Context, value []byte) error {
	dl, err := schema.DecodeDelivery(value)
	if err != nil {
		return nil
	}
	wait := dl.DueAt.Sub(d.now())
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
