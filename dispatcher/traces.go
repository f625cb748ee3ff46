package dispatcher

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Traces reads what was appended to Kafka partitions since a time;
// consumer.Scanner is one. A worker that takes a partition over from one
// that died reads with it the records its predecessor may have written
// (retry records, dead letters) in the crash's last moments, before its
// progress reached the commit.
type Traces interface {
	// PartitionOf returns the partition of topic that key goes to.
	PartitionOf(ctx context.Context, topic string, key []byte) (int, error)
	// Scan calls fn with every record of the partition from offset from
	// (negative: from the first appended since), up to its end as it was
	// when the scan started, and returns the offset to go on from, also
	// with an error.
	Scan(ctx context.Context, topic string, partition int, since time.Time, from int64,
		fn func(offset int64, at time.Time, value []byte)) (next int64, err error)
}

// traceKeep is how long a scan's result serves further lookups: the
// messages of one takeover are handled within it.
const traceKeep = 5 * time.Minute

// scanTimeout bounds one scan of one partition; a scan that fails makes
// its message fail, to be handled again after the partition's backoff.
const scanTimeout = time.Minute

// traceIndex caches what scans of the tiers and the dead-letter topic found,
// by topic, partition and since.
type traceIndex struct {
	src Traces
	now func() time.Time
	log *zap.Logger

	slots chan struct{} // scanSlots

	mu    sync.Mutex
	sets  map[scanKey]*traceSet
	memo  map[memoKey][]*traceSet // a key's finished scans, one per topic
	swept time.Time               // the last sweep of sets past traceKeep
}

type scanKey struct {
	topic     string
	partition int
	since     int64 // Unix milliseconds
}

// traceSet is what one scan found: per webhook-id, where a record about the
// delivery is. A scan that failed (ran out of time, a broker error) is
// kept with what it read and goes on from next for the next caller.
type traceSet struct {
	mu   sync.Mutex // one scan at a time; guards the fields
	done bool
	next int64 // offset to go on from; -1: not started
	at   time.Time
	by   map[string][]trace
}

// trace is one record about a delivery.
type trace struct {
	topic     string
	partition int
	offset    int64
	at        time.Time // the record's timestamp
	schema.Trace
}

func newTraceIndex(src Traces, now func() time.Time, log *zap.Logger) *traceIndex {
	return &traceIndex{src: src, now: now, log: log, slots: make(chan struct{}, scanSlots), sets: map[scanKey]*traceSet{}, memo: map[memoKey][]*traceSet{}}
}

// find returns the records written since about the delivery webhookID of
// client's key, in topics.
func (x *traceIndex) find(ctx context.Context, topics []string, key []byte, since time.Time, webhookID string) ([]trace, error) {
	mk := memoKey{string(key), since.UnixMilli()}
	x.mu.Lock()
	sets, ok := x.memo[mk]
	x.mu.Unlock()
	if !ok {
		for _, topic := range topics {
			p, err := x.src.PartitionOf(ctx, topic, key)
			if err != nil {
				return nil, err
			}
			set, err := x.set(ctx, scanKey{topic, p, since.UnixMilli()}, since)
			if err != nil {
				return nil, err
			}
			sets = append(sets, set)
		}
		x.mu.Lock()
		x.memo[mk] = sets
		x.mu.Unlock()
	}
	var out []trace
	for _, set := range sets {
		out = append(out, set.by[webhookID]...) // done: read-only now
	}
	return out, nil
}

// memoKey names the scans one key's lookups use.
type memoKey struct {
	key   string
	since int64
}

// scanSlots bounds the scans running at once: each holds a reader and the
// records it reads.
const scanSlots = 2

// set returns the scan of one partition since a time, scanning it once for
// every caller that asks meanwhile, and going on where a failed scan
// stopped.
func (x *traceIndex) set(ctx context.Context, k scanKey, since time.Time) (*traceSet, error) {
	x.mu.Lock()
	now := x.now()
	if now.Sub(x.swept) > time.Second {
		x.swept = now
		for key, s := range x.sets {
			if !s.at.IsZero() && now.Sub(s.at) > traceKeep {
				delete(x.sets, key)
				clear(x.memo) // it may hold the set
			}
		}
	}
	s, ok := x.sets[k]
	if !ok {
		s = &traceSet{next: -1, by: map[string][]trace{}}
		x.sets[k] = s
	}
	x.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return s, nil
	}
	select {
	case x.slots <- struct{}{}:
		defer func() { <-x.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	sctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	start, from, records := time.Now(), s.next, 0
	next, err := x.src.Scan(sctx, k.topic, k.partition, since, s.next, func(offset int64, at time.Time, value []byte) {
		records++
		for _, t := range schema.PeekTraces(value) {
			id := schema.WebhookID(t.EventID, t.HookID)
			s.by[id] = append(s.by[id], trace{topic: k.topic, partition: k.partition, offset: offset, at: at, Trace: t})
		}
	})
	s.next = next
	x.log.Info("read what a worker that did not stop in order may have handed on", zap.String("topic", k.topic), zap.Int("partition", k.partition),
		zap.Time("since", since), zap.Int64("from", from), zap.Int64("to", next), zap.Int("records", records), zap.Duration("took", time.Since(start)), zap.Error(err))
	if err != nil {
		return nil, fmt.Errorf("looking for what a crashed worker handed on: %w", err)
	}
	s.done = true
	x.mu.Lock()
	s.at = x.now()
	x.mu.Unlock()
	return s, nil
}

// handedOn reports whether an earlier handling of src, one that may have
// died before its progress was committed (src.Progress says it is
// suspect), already handed on the delivery of eventID to hook h that src
// holds waiting for attempt: a retry record waiting for a later attempt, or
// for this one in src's own partition after src (deferred), or a dead
// letter. For a load event, attempt is 1. Without Traces, or for a message
// that is not suspect, it is false.
func (d *Dispatcher) handedOn(ctx context.Context, src Source, clientID int64, eventID string, hookID int64, attempt int) (bool, error) {
	if d.traces == nil || src.Progress == nil {
		return false, nil
	}
	since, suspect := src.Progress.Suspect()
	if !suspect {
		return false, nil
	}
	found, err := d.traces.find(ctx, append(d.cfg.RetryTopics[:len(d.cfg.RetryTopics):len(d.cfg.RetryTopics)], d.cfg.DLQTopic),
		schema.RecordKey(clientID), since, schema.WebhookID(eventID, hookID))
	if err != nil {
		return false, err
	}
	for _, t := range found {
		if !src.Time.IsZero() && t.at.Before(src.Time) {
			// Written before src was: another handling's (an earlier
			// lineage ended as a dead letter and replayed, a record that
			// src was deferred from), not src's own.
			continue
		}
		switch {
		case t.Dead, t.Attempt > attempt:
			return true, nil
		case t.Attempt == attempt && (t.topic != src.Topic || t.partition != src.Partition || t.offset > src.Offset):
			return true, nil
		}
	}
	return false, nil
}
