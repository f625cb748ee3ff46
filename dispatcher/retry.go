package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/postload/postload/schema"
)

// HandleRetry makes the attempt of a retry record (a postload.retry.N
// value), a single delivery or a group, and hands a failure on. The record
// must be due; WaitDue holds it until then.
func (d *Dispatcher) HandleRetry(ctx context.Context, src Source, value []byte) error {
	if passed, err := d.passOpen(ctx, src, value); passed {
		return err
	}
	if schema.IsGroup(value) {
		return d.handleGroup(ctx, src, value)
	}
	dl, ev, err := schema.DecodeRetry(value)
	if err != nil {
		return d.Invalid(ctx, src, value, err)
	}
	return d.retryOnce(ctx, src, ev, dl)
}

// retryOnce is retry, unless an earlier handling of src that died before
// its progress was committed handed the delivery on already.
func (d *Dispatcher) retryOnce(ctx context.Context, src Source, ev schema.LoadEvent, dl schema.Delivery) error {
	if done, err := d.handedOn(ctx, src, ev.ClientID, ev.EventID, dl.HookID, dl.Attempt); err != nil || done {
		return err
	}
	return d.retry(ctx, ev, dl)
}

// handleGroup makes the attempts of a group's deliveries, each as the
// record of its own that it stands for: a delivery whose event is invalid
// goes to the invalid topic alone, and those the endpoint refuses again are
// grouped again as they are handed on (about groupFanOut to a group, as
// each holds its turn until its hand-off is written). At most groupFanOut
// attempts run at once, so that a group weighs on a tier about as much as
// an event with that many hooks does on the first.
func (d *Dispatcher) handleGroup(ctx context.Context, src Source, value []byte) error {
	dls, err := schema.DecodeGroup(value)
	if err != nil {
		return d.Invalid(ctx, src, value, err)
	}
	errs := make([]error, len(dls))
	sem := make(chan struct{}, groupFanOut)
	var wg sync.WaitGroup
	for i, dl := range dls {
		if src.finished(int64(i)) {
			continue // an earlier handling of the record finished it
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			// Shutting down: start no more; the record is read again, and
			// only the deliveries started may be handled twice.
			wg.Wait()
			return errors.Join(append(errs, ctx.Err())...)
		}
		wg.Add(1)
		d.workers.Go(func() {
			defer func() { <-sem; wg.Done() }()
			ev, err := schema.CheckDelivery(dl)
			if err != nil {
				if errs[i] = d.invalidMember(ctx, src, i, dl, err); errs[i] == nil {
					src.finish(int64(i))
				}
				return
			}
			if errs[i] = d.retryOnce(ctx, src, ev, dl); errs[i] == nil {
				src.finish(int64(i))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// groupFanOut is how many of a group's deliveries are attempted at once.
const groupFanOut = 10

// invalidMember puts delivery i of a group on the invalid topic, as the
// record of its own it stands for.
func (d *Dispatcher) invalidMember(ctx context.Context, src Source, i int, dl schema.Delivery, reason error) error {
	b, err := schema.EncodeRecord(dl)
	if err != nil {
		return fmt.Errorf("encoding delivery %d of a group: %w", i, err)
	}
	return d.Invalid(ctx, src, b, fmt.Errorf("delivery %d of a group: %w", i, reason))
}

// retry makes the attempt of one delivery from a tier.
func (d *Dispatcher) retry(ctx context.Context, ev schema.LoadEvent, dl schema.Delivery) error {
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

// passOpen hands a record whose endpoint's breaker refuses attempts on to
// the next tier as the slow way would (a failed attempt, no request), a
// group as a whole, without decoding and re-encoding the events, which was
// most of what a tier did with such a record: a dead endpoint's deliveries
// pass through every tier. It declines (false) a record the fast reader
// declines, a hook deleted or disabled, a breaker not refusing, and a last
// attempt: those go the slow way, which also validates the events.
func (d *Dispatcher) passOpen(ctx context.Context, src Source, value []byte) (bool, error) {
	if ctx.Err() != nil {
		return false, nil // shutting down: the slow way puts it back uncounted
	}
	if src.Progress != nil {
		if _, suspect := src.Progress.Suspect(); suspect {
			return false, nil // the slow way looks for what was handed on
		}
	}
	id, ok := schema.PeekHookID(value)
	if !ok {
		return false, nil
	}
	h, ok := d.hooks.Hook(id)
	if !ok || !h.Enabled() || !d.endpoints.get(h.Config.URL, h.ID).refusing() {
		return false, nil
	}
	f, ok := schema.PeekForward(value)
	if !ok || f.HookID != h.ID {
		return false, nil
	}
	now := d.now()
	out := refusal(ctx, f.Attempt, now, ErrBreakerOpen)
	p := d.place(now, f.Attempt, out)
	if p.dead != "" || p.again {
		return false, nil // the last attempt (the slow way makes the dead letters), or ctx ended meanwhile
	}
	for i := range f.Deliveries {
		if src.finished(int64(i)) {
			return false, nil // partly finished before: the slow way skips those
		}
	}
	for range f.Deliveries {
		d.observe(out)
	}
	d.logSkipped(h, f, out)
	rec, err := f.Next(out.Attempt, p.due)
	if err != nil {
		return true, fmt.Errorf("encoding retry record: %w", err)
	}
	topic := d.cfg.RetryTopics[p.tier-1]
	if err := d.publish(ctx, topic, schema.RecordKey(h.ClientID), rec); err != nil {
		return true, fmt.Errorf("handing on hook %d's attempt %d (%d deliveries) to %s: %w", h.ID, f.Attempt, f.Deliveries, topic, err)
	}
	return true, nil
}

// WaitDue blocks until the retry record in value is due, or ctx ends. It
// reads only due_at; a record without one is due at once (HandleRetry
// then rejects it). due_at is wall-clock time (it crosses processes), and
// a timer runs on the monotonic clock, so when the timer fires the wall
// clock is asked again: a clock stepped back meanwhile must not start the
// attempt before its due_at.
func (d *Dispatcher) WaitDue(ctx context.Context, value []byte) error {
	due, ok := schema.PeekDueAt(value)
	if !ok {
		return nil
	}
	for {
		wait := due.Sub(d.now())
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}
