package dlq

import (
	"container/heap"
	"context"
	"errors"
	"io"

	"go.uber.org/zap"
)

// Scan calls fn with every dead letter that f selects, from the start of
// each partition of the DLQ to the end it had when Scan began: records
// produced meanwhile are not read, so the work is bounded.
//
// Order: by dead_at, merged across partitions (ties by partition, then
// offset); the records of one partition keep their offset order, so the
// order is exactly dead_at order wherever each partition is (dead letters
// are written as they die, keyed by client: one account's are in one
// partition, in order). Memory: one fetch (about 1 MiB) per partition.
//
// Records that do not decode as dead letters are skipped and logged. An
// error from fn stops Scan and is returned.
func Scan(ctx context.Context, cfg Config, f Filter, fn func(Entry) error) error {
	_, err := scan(ctx, cfg, f, fn)
	return err
}

// scan is Scan, also returning how many records did not decode.
func scan(ctx context.Context, cfg Config, f Filter, fn func(Entry) error) (malformed int, err error) {
	cfg, err = cfg.prepare()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return 0, err
	}
	spans, err := snapshot(ctx, cfg, cfg.DLQTopic)
	if err != nil {
		return 0, err
	}
	m := &merger{filter: f, log: cfg.Log}
	for _, s := range spans {
		if err := m.add(ctx, newCursor(cfg, cfg.DLQTopic, s)); err != nil {
			return m.malformed, err
		}
	}
	for n := 0; m.Len() > 0 && (f.Limit == 0 || n < f.Limit); n++ {
		h := m.heads[0]
		if err := fn(h.e); err != nil {
			return m.malformed, err
		}
		if err := m.advance(ctx, h.c); err != nil {
			return m.malformed, err
		}
	}
	return m.malformed, nil
}

// merger is a heap of the partitions' next matching dead letters.
type merger struct {
	heads     []head
	filter    Filter
	log       *zap.Logger
	malformed int
}

type head struct {
	e Entry
	c *cursor
}

// add reads c's first matching dead letter and pushes it.
func (m *merger) add(ctx context.Context, c *cursor) error {
	e, err := m.nextMatch(ctx, c)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	heap.Push(m, head{e, c})
	return nil
}

// advance replaces the top, which came from c, with c's next match.
func (m *merger) advance(ctx context.Context, c *cursor) error {
	e, err := m.nextMatch(ctx, c)
	switch {
	case errors.Is(err, io.EOF):
		heap.Pop(m)
		return nil
	case err != nil:
		return err
	}
	m.heads[0].e = e
	heap.Fix(m, 0)
	return nil
}

// nextMatch returns c's next dead letter that the filter selects.
func (m *merger) nextMatch(ctx context.Context, c *cursor) (Entry, error) {
	for {
		r, err := c.read(ctx)
		if err != nil {
			return Entry{}, err
		}
		e, ok := decodeOrLog(r, m.log)
		if !ok {
			m.malformed++
			continue
		}
		if m.filter.Match(e.DeadLetter) {
			return e, nil
		}
	}
}

// decodeOrLog decodes r, logging it when it is not a dead letter.
func decodeOrLog(r record, log *zap.Logger) (Entry, bool) {
	e, err := r.entry()
	if err != nil {
		log.Warn("skipping malformed dead letter", zap.Int("partition", r.partition),
			zap.Int64("offset", r.offset), zap.String("reason", safeReason(err)))
		return Entry{}, false
	}
	return e, true
}

func (m *merger) Len() int { return len(m.heads) }
func (m *merger) Less(i, j int) bool {
	a, b := m.heads[i].e, m.heads[j].e
	if !a.DeadLetter.DeadAt.Equal(b.DeadLetter.DeadAt) {
		return a.DeadLetter.DeadAt.Before(b.DeadLetter.DeadAt)
	}
	if a.Partition != b.Partition {
		return a.Partition < b.Partition
	}
	return a.Offset < b.Offset
}
func (m *merger) Swap(i, j int) { m.heads[i], m.heads[j] = m.heads[j], m.heads[i] }
func (m *merger) Push(x any)    { m.heads = append(m.heads, x.(head)) }
func (m *merger) Pop() any {
	h := m.heads[len(m.heads)-1]
	m.heads = m.heads[:len(m.heads)-1]
	return h
}

// readAll calls fn with every record of topic up to its end as of now,
// partition after partition, in offset order.
func readAll(ctx context.Context, cfg Config, topic string, fn func(record)) error {
	spans, err := snapshot(ctx, cfg, topic)
	if err != nil {
		return err
	}
	for _, s := range spans {
		c := newCursor(cfg, topic, s)
		for {
			r, err := c.read(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			fn(r)
		}
	}
	return nil
}
