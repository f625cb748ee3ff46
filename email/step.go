package email

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
	"github.com/postload/postload/schema"
)

// step closes the windows that ended, folds batch, writes what changed to
// the state topic, hands the emails owed to the sending loop, and commits
// the batch. It returns false when ctx ended first: nothing of the step is
// then sent or committed (what it wrote, if anything, is in the state
// topic for the next owner).
func (p *part) step(ctx context.Context, batch []message) bool {
	now := p.s.cfg.Clock.Now()
	var ch changes
	p.closeDue(now, &ch)
	for _, m := range batch {
		if err := p.fold(now, m, &ch); err != nil && !p.invalid(ctx, m, err) {
			return false
		}
	}
	if !ch.empty() && !p.persist(ctx, &ch) {
		return false
	}
	p.s.enqueue(p, ch.owed)
	if len(batch) > 0 {
		off := batch[len(batch)-1].offset + 1
		if err := p.commit(off); err != nil {
			// The next commit covers it; a redelivery is counted once.
			p.log.Warn("committing offset", zap.Int64("offset", off), zap.Error(err))
		}
	}
	return true
}

// fold applies one record; an error wrapping ErrInvalid means it does not
// decode.
func (p *part) fold(now time.Time, m message, ch *changes) error {
	if p.src.topic == p.s.cfg.DeadLetterTopic {
		dl, err := schema.DecodeDeadLetter(m.value)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		p.foldDeadLetter(now, m.offset, dl, ch)
		return nil
	}
	if n, ok := decodeNotice(m.value); ok {
		p.foldNotice(m.offset, n, ch)
		return nil
	}
	src, f, err := decodeForwarded(m.value)
	if err != nil {
		return err
	}
	p.foldFailure(now, m.offset, src, f, ch)
	return nil
}

// invalid hands on a record that does not decode, retrying until it is
// handed on (true) or ctx ends (false).
func (p *part) invalid(ctx context.Context, m message, err error) bool {
	log := p.log.With(zap.Int64("offset", m.offset))
	if p.s.cfg.Invalid == nil {
		log.Warn("record does not decode; skipped", zap.Error(err))
		return true
	}
	src := Source{Topic: p.src.topic, Partition: p.src.id, Offset: m.offset}
	return p.retry(ctx, "handing on an invalid record", func() error {
		return p.s.cfg.Invalid(ctx, src, m.key, m.value, err)
	})
}

// persist writes ch to the state topic, retrying until it is in Kafka
// (true) or ctx ends (false).
func (p *part) persist(ctx context.Context, ch *changes) bool {
	recs := make([]record, 0, len(ch.owed)+len(ch.order))
	for _, l := range ch.owed {
		recs = append(recs, record{key: p.src.emailKey(l.ID), value: mustJSON(l)})
	}
	for _, k := range ch.order {
		recs = append(recs, record{key: k, value: mustJSON(ch.states[k])})
	}
	return p.retry(ctx, "writing the email state", func() error { return p.s.state.write(ctx, recs) })
}

// retry calls f until it returns nil (true) or ctx ends (false), pausing
// between failures.
func (p *part) retry(ctx context.Context, what string, f func() error) bool {
	return backoff.Retry(ctx, f, func(err error, pause time.Duration) {
		p.log.Warn(what+"; retrying", zap.Duration("after", pause), zap.Error(err))
	})
}
