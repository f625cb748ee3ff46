package dlq

import (
	"context"
	"io"
	"time"
)

// cursor reads one span of a partition one fetch at a time: no background
// goroutine, at most one fetch's records held.
type cursor struct {
	cfg   Config
	topic string
	span
	next int64
	recs []record // fetched and not read yet
}

func newCursor(cfg Config, topic string, s span) *cursor {
	return &cursor{cfg: cfg, topic: topic, span: s, next: s.first}
}

// read returns the next record of the span; io.EOF after its end.
func (c *cursor) read(ctx context.Context) (record, error) {
	for len(c.recs) == 0 {
		if c.next >= c.end {
			return record{}, io.EOF
		}
		if err := c.fetch(ctx); err != nil {
			return record{}, err
		}
	}
	r := c.recs[0]
	c.recs[0] = record{} // not kept for the rest of the fetch
	c.recs = c.recs[1:]
	return r, nil
}

// fetch reads the records from c.next on, within the configured timeout.
func (c *cursor) fetch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	next, err := c.cfg.Kafka.Fetch(ctx, c.topic, c.partition, c.next, c.end, func(offset int64, at time.Time, key, value []byte) {
		c.recs = append(c.recs, record{partition: c.partition, offset: offset, time: at, key: key, value: value})
	})
	c.next = next
	return err
}
