package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
)

// Follow calls fn with every record of topic's partition from offset from
// (negative: the partition's first record) on, in offset order, and then
// with every record appended to it, until ctx ends (it returns nil) or fn
// returns an error (returned). caughtUp, if set, is called once fn has had
// every record the partition had when Follow began, at once when it had
// none (when the last of them was removed meanwhile, by compaction, only
// after the next record appended). A failed lookup or fetch is logged and
// tried again after a pause (backoff.Retry's); the place is kept. fn's
// bytes are its own.
func (c *Client) Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
	fn func(offset int64, at time.Time, key, value []byte) error) error {
	log := c.cfg.Log.With(zap.String("topic", topic), zap.Int("partition", partition))
	retried := func(what string) func(error, time.Duration) {
		return func(err error, pause time.Duration) {
			log.Warn(what+"; retrying", zap.Duration("after", pause), zap.Error(err))
		}
	}
	end := int64(-1)
	if caughtUp != nil {
		var first int64
		if !backoff.Retry(ctx, func() (err error) {
			first, end, err = c.span(ctx, topic, partition)
			return err
		}, retried("looking up the partition's end")) {
			return nil
		}
		if end <= max(first, from) {
			caughtUp()
			caughtUp = nil
		}
	}
	r := c.reader(topic, partition, log)
	defer r.Close()
	if from < 0 {
		from = kafka.FirstOffset
	}
	if err := r.SetOffset(from); err != nil {
		return fmt.Errorf("following %s/%d from %d: %w", topic, partition, from, err)
	}
	for {
		var m kafka.Message
		if !backoff.Retry(ctx, func() (err error) {
			m, err = r.FetchMessage(ctx)
			return err
		}, retried("fetching")) {
			return nil
		}
		if err := fn(m.Offset, m.Time, m.Key, m.Value); err != nil {
			return err
		}
		if caughtUp != nil && m.Offset+1 >= end {
			caughtUp()
			caughtUp = nil
		}
	}
}
