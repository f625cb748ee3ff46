package consumer

import (
	"context"
	"errors"

	"go.uber.org/zap"
)

// fetch reads messages in order and passes them on, taking an in-flight slot
// of the partition (local) and of the group for each, so a full window
// stops the fetching. Records the reader skips because the broker deleted
// them unread are reported (gaps). It returns when ctx ends, the reader
// fails or the gate refuses.
func (p *partition) fetch(ctx context.Context, r reader, local *slots, out chan<- Message) {
	gaps := p.newGaps()
	gaps.start(ctx, p.start)
	for {
		if !local.take(ctx) {
			return
		}
		if !p.g.slots.take(ctx) {
			local.give()
			return
		}
		m, err := p.fetchOne(ctx, r, gaps)
		if err == nil {
			select {
			case out <- m:
				continue
			case <-ctx.Done():
			}
		}
		p.g.slots.give()
		local.give()
		return
	}
}

// fetchOne fetches the next message and holds it at the gate until the
// gate lets it through.
func (p *partition) fetchOne(ctx context.Context, r reader, gaps *gaps) (Message, error) {
	km, err := r.FetchMessage(ctx)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			p.log.Warn("fetching", zap.Error(err))
		}
		return Message{}, err
	}
	p.g.stats.fetched(p.tp, km.HighWaterMark)
	p.prog.fetched(km.HighWaterMark, km.Time)
	gaps.fetched(ctx, km.Offset)
	m := Message{Topic: km.Topic, Partition: km.Partition, Offset: km.Offset, Key: km.Key, Value: km.Value, Time: km.Time}
	if gate := p.g.cfg.Gate; gate != nil {
		if err := gate(ctx, m); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}
