package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// Bounds of one fetch. A partition being read holds at most one fetch's
// records in memory (the broker may exceed fetchMaxBytes by one batch).
const (
	fetchMaxBytes = 1 << 20
	fetchMaxWait  = 500 * time.Millisecond
)

// cursor reads one span of a partition with plain fetch requests: no
// background goroutine, at most one fetch response held.
type cursor struct {
	cl    *kafka.Client
	topic string
	span
	next  int64
	recs  kafka.RecordReader // the current fetch's records; nil before a fetch
	moved bool               // the current fetch gave a record at or after next
}

func newCursor(cl *kafka.Client, topic string, s span) *cursor {
	return &cursor{cl: cl, topic: topic, span: s, next: s.first}
}

// read returns the next record of the span; io.EOF after its end.
func (c *cursor) read(ctx context.Context) (record, error) {
	for c.next < c.end {
		if c.recs == nil {
			if err := c.fetch(ctx); err != nil {
				return record{}, err
			}
		}
		r, err := c.recs.ReadRecord()
		if errors.Is(err, io.EOF) {
			if !c.moved {
				// A fetch holds every batch from next on (up to MaxBytes,
				// the first one whole): none means that what is left below
				// end was removed (compacted records, deleted tombstones)
				// or is not data (transaction markers).
				c.next = c.end
			}
			c.recs = nil
			continue
		}
		if err != nil {
			return record{}, fmt.Errorf("reading %s/%d at %d: %w", c.topic, c.partition, c.next, err)
		}
		if r.Offset < c.next {
			continue // a batch that began before the fetched offset
		}
		if r.Offset >= c.end {
			c.next, c.recs = c.end, nil
			break
		}
		rec := record{partition: c.partition, offset: r.Offset, time: r.Time}
		if rec.key, err = readBytes(r.Key); err == nil {
			rec.value, err = readBytes(r.Value)
		}
		if err != nil {
			return record{}, fmt.Errorf("reading %s/%d at %d: %w", c.topic, c.partition, r.Offset, err)
		}
		c.next, c.moved = r.Offset+1, true
		return rec, nil
	}
	return record{}, io.EOF
}

// fetch asks for the records from c.next on.
func (c *cursor) fetch(ctx context.Context) error {
	res, err := c.cl.Fetch(ctx, &kafka.FetchRequest{
		Topic: c.topic, Partition: c.partition, Offset: c.next,
		MinBytes: 1, MaxBytes: fetchMaxBytes, MaxWait: fetchMaxWait,
	})
	if err == nil {
		err = res.Error
	}
	if err != nil {
		return fmt.Errorf("fetching %s/%d at %d: %w", c.topic, c.partition, c.next, err)
	}
	c.recs, c.moved = res.Records, false
	return nil
}

// readBytes copies a record's key or value; nil stays nil.
func readBytes(b kafka.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	return kafka.ReadAll(b)
}
