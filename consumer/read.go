package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// Fetch reads records of topic's partition from offset from on with one
// fetch request (no goroutine, one response held: about 1 MiB, or one
// larger record batch whole), calls fn with each below end in offset
// order, and returns the offset to read from next. That is end once
// nothing is left below end: a fetch that holds no record at or after
// from means that what lies below end was removed (compacted records,
// deleted tombstones) or is not data (transaction markers). On an error
// next is after the last record fn had. fn's bytes are its own.
func (c *Client) Fetch(ctx context.Context, topic string, partition int, from, end int64,
	fn func(offset int64, at time.Time, key, value []byte)) (next int64, err error) {
	res, err := c.cl.Fetch(ctx, &kafka.FetchRequest{
		Topic: topic, Partition: partition, Offset: from,
		MinBytes: 1, MaxBytes: fetchBytes, MaxWait: c.cfg.MaxWait,
	})
	if err == nil {
		err = res.Error
	}
	if err != nil {
		return from, fmt.Errorf("fetching %s/%d at %d: %w", topic, partition, from, err)
	}
	if res.Records == nil {
		return end, nil
	}
	next = from
	for moved := false; ; {
		r, err := res.Records.ReadRecord()
		switch {
		case errors.Is(err, io.EOF) && !moved:
			return end, nil
		case errors.Is(err, io.EOF):
			return next, nil
		case err != nil:
			return next, fmt.Errorf("reading %s/%d at %d: %w", topic, partition, next, err)
		case r.Offset < next:
			continue // a batch that began before the fetched offset
		case r.Offset >= end:
			return end, nil
		}
		key, err := readBytes(r.Key)
		var value []byte
		if err == nil {
			value, err = readBytes(r.Value)
		}
		if err != nil {
			return next, fmt.Errorf("reading %s/%d at %d: %w", topic, partition, r.Offset, err)
		}
		fn(r.Offset, r.Time, key, value)
		next, moved = r.Offset+1, true
	}
}

// ReadRange calls fn with every record of topic's partition from offset
// from (negative: the partition's first) up to end (negative: the
// partition's end as it is now), in offset order, one fetch at a time
// (see Fetch), and returns the offset to read from next, also with an
// error. Records deleted meanwhile (retention) are skipped. fn's bytes are
// its own.
func (c *Client) ReadRange(ctx context.Context, topic string, partition int, from, end int64,
	fn func(offset int64, at time.Time, key, value []byte)) (next int64, err error) {
	if from < 0 || end < 0 {
		first, last, err := c.span(ctx, topic, partition)
		if err != nil {
			return from, err
		}
		if from < 0 {
			from = first
		}
		if end < 0 {
			end = last
		}
	}
	for next = from; next < end; {
		n, err := c.Fetch(ctx, topic, partition, next, end, fn)
		if errors.Is(err, kafka.OffsetOutOfRange) {
			n, err = c.skipDeleted(ctx, topic, partition, next, err)
		}
		if err != nil {
			return n, err
		}
		next = n
	}
	return next, nil
}

// skipDeleted returns the partition's log start when from lies below it
// (its records were deleted), or err.
func (c *Client) skipDeleted(ctx context.Context, topic string, partition int, from int64, err error) (int64, error) {
	start, serr := c.LogStart(ctx, topic, partition)
	if serr != nil || start <= from {
		return from, err
	}
	return start, nil
}

// readBytes copies a record's key or value; nil stays nil.
func readBytes(b kafka.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	return kafka.ReadAll(b)
}
