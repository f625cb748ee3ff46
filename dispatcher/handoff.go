package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// handOn puts a delivery whose attempt did not deliver it where its
// outcome sends it (see place): the tier it came from again, the next
// tier, or the dead-letter topic.
func (d *Dispatcher) handOn(ctx context.Context, log *zap.Logger, eventID string, h schema.Hook, dl schema.Delivery, out Outcome) error {
	p := d.place(d.now(), dl.Attempt, out)
	switch {
	case p.again:
		return d.toTier(ctx, log, p.tier, h.ClientID, dl.Again(out.Attempt.Error, p.due), out.Result)
	case p.dead == schema.ReasonHookGone:
		return d.gone(ctx, log, eventID, h, dl.Next(out.Attempt, p.due))
	case p.dead != "":
		return d.dead(ctx, log, eventID, h, dl.Next(out.Attempt, p.due), p.dead)
	}
	return d.toTier(ctx, log, p.tier, h.ClientID, dl.Next(out.Attempt, p.due), out.Result)
}

// placement is where a delivery goes after an attempt that did not
// deliver it: a dead letter, or a tier, due at due.
type placement struct {
	dead  string    // the dead letter's reason; "" for a tier
	tier  int       // 1-based
	due   time.Time // for a dead letter, now
	again bool      // the attempt did not count: the same attempt again
}

// place decides where a delivery goes after its attempt n came to out
// (the table of docs/retries.md). An attempt that did not count goes back
// to the tier it came from (the first for a first attempt), due at once or
// (deferred) after that tier's delay. A 410 makes a dead letter at once.
// Any other failed attempt goes to the next tier as the next attempt (see
// next), or, when it was the last, makes a dead letter.
func (d *Dispatcher) place(now time.Time, n int, out Outcome) placement {
	switch out.Result.meaning().next {
	case backNow:
		return placement{tier: max(n-1, 1), due: now.UTC(), again: true}
	case backLater:
		tier := max(n-1, 1)
		return placement{tier: tier, due: now.Add(d.cfg.RetryDelays[tier-1]).UTC(), again: true}
	case deadNow:
		return placement{dead: schema.ReasonHookGone, due: now.UTC()}
	}
	if n > len(d.cfg.RetryDelays) {
		return placement{dead: schema.ReasonRetriesExhausted, due: now.UTC()}
	}
	tier, due := d.next(now, n, out.RetryAfter)
	return placement{tier: tier, due: due}
}

// next is the tier (1-based) that holds the delivery after its attempt n
// failed, and when the next attempt is due. Without a Retry-After that is
// tier n, after its delay and jitter. With one, the attempt is due after
// it: on tier n when its delay covers the wait, otherwise on the tier
// with the shortest delay that does, as a tier's consumer holds each
// partition's head until it is due and must not hold it longer than the
// tier's own delay (the records behind it, other accounts' among them,
// wait for it). A Retry-After beyond the longest delay is cut to it, on
// that tier. Tiers are delay queues only: the attempt number, not the
// tier, counts the attempts and ends them.
func (d *Dispatcher) next(now time.Time, n int, retryAfter time.Duration) (tier int, due time.Time) {
	delays := d.cfg.RetryDelays
	delay := delays[n-1]
	if retryAfter <= 0 {
		return n, now.Add(delay + jitter(delay)).UTC()
	}
	if retryAfter <= delay {
		return n, now.Add(retryAfter).UTC()
	}
	tier, longest := 0, 0
	for i, x := range delays {
		if x >= retryAfter && (tier == 0 || x < delays[tier-1]) {
			tier = i + 1
		}
		if x > delays[longest] {
			longest = i
		}
	}
	if tier == 0 {
		return longest + 1, now.Add(delays[longest]).UTC()
	}
	return tier, now.Add(retryAfter).UTC()
}

// gone handles a 410 Gone: the receiver is gone for good, so the hook is
// disabled at once (its pending deliveries become dead letters as their tiers
// reach them) and this delivery is a dead letter.
func (d *Dispatcher) gone(ctx context.Context, log *zap.Logger, eventID string, h schema.Hook, dl schema.Delivery) error {
	var err error
	for try := 0; try < 3; try++ {
		if _, err = d.hooks.SetHookEnabled(ctx, h.ClientID, h.ID, false); err == nil {
			break
		}
	}
	if err != nil {
		log.Error("disabling a hook whose receiver answered 410", zap.Error(err))
	} else {
		log.Warn("receiver answered 410 Gone: hook disabled")
	}
	return d.dead(ctx, log, eventID, h, dl, schema.ReasonHookGone)
}

// jitter spreads retries of one outage a little: up to 1% of the delay, at
// most 100 ms. A tier partition is consumed in order, so a record waits for
// the jitter of the records before it: the jitter bounds that lateness.
func jitter(delay time.Duration) time.Duration {
	limit := min(delay/100, 100*time.Millisecond)
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// toTier publishes the delivery to retry tier (1-based); in a group with
// others when the endpoint refused its attempt without a request (r's
// meaning says so; see grouper) and groups are on.
func (d *Dispatcher) toTier(ctx context.Context, log *zap.Logger, tier int, clientID int64, dl schema.Delivery, r Result) error {
	topic := d.cfg.RetryTopics[tier-1]
	var err error
	if r.meaning().grouped && !d.cfg.NoGroups {
		err = d.groups.add(ctx, topic, schema.RecordKey(clientID), dl)
	} else {
		var b []byte
		if b, err = schema.EncodeRecord(dl); err != nil {
			return fmt.Errorf("encoding retry record: %w", err)
		}
		err = d.publish(ctx, topic, schema.RecordKey(clientID), b)
	}
	if err != nil {
		log.Error("handing on to retry tier", zap.String("topic", topic), zap.Error(err))
		return fmt.Errorf("publishing to %s: %w", topic, err)
	}
	log.Debug("handed on to retry tier", zap.String("topic", topic), zap.Time("due_at", dl.DueAt))
	return nil
}

// dead publishes the delivery as a dead letter.
func (d *Dispatcher) dead(ctx context.Context, log *zap.Logger, eventID string, h schema.Hook, dl schema.Delivery, reason string) error {
	rec := dl.DeadLetter(eventID, h.Ref(), reason, d.now().UTC())
	// Not json.Marshal: its HTML escapes would make an event's < > & six
	// bytes each, past the size RecordBytes allows for.
	b, err := schema.EncodeRecord(rec)
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	if err := d.publish(ctx, d.cfg.DLQTopic, schema.RecordKey(h.ClientID), b); err != nil {
		log.Error("publishing dead letter", zap.Error(err))
		return fmt.Errorf("publishing to %s: %w", d.cfg.DLQTopic, err)
	}
	d.cfg.Observer.DeadLettered(reason)
	sent, skipped := schema.CountAttempts(dl.Attempts)
	log.Warn("dead letter", zap.String("reason", reason), zap.Int("attempts", len(dl.Attempts)),
		zap.Int("requests_sent", sent), zap.Int("attempts_skipped", skipped))
	return nil
}

// Invalid publishes a message that failed to decode to the invalid topic,
// with the reason, its source and its original bytes (the first 1 KiB of
// its key), cut to fit RecordBytes as schema.PutInvalid does: an invalid
// message never stops its partition for its size.
func (d *Dispatcher) Invalid(ctx context.Context, src Source, value []byte, reason error) error {
	log := d.cfg.Log.With(zap.String("topic", src.Topic), zap.Int("partition", src.Partition), zap.Int64("offset", src.Offset))
	rec := schema.NewInvalid(reason.Error(), src.Topic, src.Partition, src.Offset, src.Key, value, d.now())
	kept, err := schema.PutInvalid(rec, RecordBytes(d.cfg.MaxEventBytes), func(b []byte, kept int) error {
		err := d.publish(ctx, d.cfg.InvalidTopic, rec.Key, b)
		if tooLarge(err) && kept > 0 {
			log.Warn("invalid record refused as too large; cutting its value further", zap.Int("record_bytes", len(b)), zap.Error(err))
		}
		return err
	})
	if err != nil {
		log.Error("publishing invalid message", zap.Error(err))
		return fmt.Errorf("publishing to %s: %w", d.cfg.InvalidTopic, err)
	}
	d.cfg.Observer.Invalid(src.Topic)
	log.Warn("invalid message", zap.String("reason", rec.Reason), zap.Int("value_bytes", len(value)), zap.Int("value_kept", kept))
	return nil
}

// tooLarge reports that a Publisher refused a record for its size, which
// trying again cannot change. The Publisher's error says so with a
// TooLarge method (as net.Error has Timeout), so that the dispatcher need
// not know the Kafka client.
func tooLarge(err error) bool {
	var tl interface{ TooLarge() bool }
	return errors.As(err, &tl) && tl.TooLarge()
}
