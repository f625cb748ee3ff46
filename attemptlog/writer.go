package attemptlog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
	"github.com/postload/postload/schema"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Kafka is where the records go. Required.
	Kafka Kafka
	// Topic is the delivery log's topic. Default DefaultTopic.
	Topic string
	// QueueSize is how many records wait to be written at most; a record
	// that finds the queue full is dropped and counted. Default
	// DefaultQueueSize (8192: a few hundred milliseconds of attempts at
	// the rates postload reaches, and at most about 20 MiB of records).
	QueueSize int
	// MaxBatchBytes bounds the attempts' records written in one
	// write: each partition's share is one produce request, so this also
	// bounds a record batch, below the broker's default max.message.bytes
	// (1 MiB). Default DefaultMaxBatchBytes (512 KiB).
	MaxBatchBytes int
	// Linger is how long a round waits for more records after its first,
	// unless MaxBatchBytes is reached first: fewer, larger writes, for a
	// record written that much later. Default DefaultLinger (10ms).
	Linger time.Duration
	// WriteTimeout bounds the writes of one round, retries included;
	// records not written by then are dropped and counted. Default
	// DefaultWriteTimeout (10s).
	WriteTimeout time.Duration
	// FlushTimeout bounds the writing of what is queued once Run's ctx
	// ends. Default DefaultFlushTimeout (5s).
	FlushTimeout time.Duration
	// Log receives failed writes. Default: none.
	Log *zap.Logger
}

// Defaults of WriterConfig.
const (
	DefaultQueueSize     = 8192
	DefaultMaxBatchBytes = 512 << 10
	DefaultLinger        = 10 * time.Millisecond
	DefaultWriteTimeout  = 10 * time.Second
	DefaultFlushTimeout  = 5 * time.Second
)

func (c WriterConfig) withDefaults() WriterConfig {
	c.Topic = cmp.Or(c.Topic, DefaultTopic)
	c.QueueSize = cmp.Or(c.QueueSize, DefaultQueueSize)
	c.MaxBatchBytes = cmp.Or(c.MaxBatchBytes, DefaultMaxBatchBytes)
	c.Linger = cmp.Or(c.Linger, DefaultLinger)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, DefaultWriteTimeout)
	c.FlushTimeout = cmp.Or(c.FlushTimeout, DefaultFlushTimeout)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c WriterConfig) Validate() error {
	var errs []error
	if c.Kafka == nil {
		errs = append(errs, errors.New("attemptlog: WriterConfig.Kafka is nil: give the Kafka client"))
	}
	if c.QueueSize < 0 || c.MaxBatchBytes < 0 || c.Linger < 0 || c.WriteTimeout < 0 || c.FlushTimeout < 0 {
		errs = append(errs, errors.New("attemptlog: QueueSize, MaxBatchBytes, Linger, WriteTimeout and FlushTimeout must not be negative (0: the default)"))
	}
	return errors.Join(errs...)
}

// Writer writes the delivery log: Log queues a record and returns at once,
// Run writes what is queued in batches. Safe for concurrent use.
type Writer struct {
	cfg WriterConfig
	// queue holds at most QueueSize attempts; wake has a token when it
	// went from empty to not. A slice under a lock, not a channel: a
	// round wakes the writer once, not once per attempt.
	mu      sync.Mutex
	queue   []schema.LoggedAttempt
	wake    chan struct{}
	stopped bool // guarded by mu: Log drops from then on
	written atomic.Int64
	dropped atomic.Int64 // queue full, or logged after Run ended
	failed  atomic.Int64 // not written: Kafka refused or timed out, or did not decode
}

// NewWriter returns a Writer; Run it.
func NewWriter(cfg WriterConfig) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Writer{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Log queues a for writing, without blocking: when the queue is full (Kafka
// is slower than the attempts, or unreachable) or Run has ended, a is
// dropped and counted in Stats.Dropped.
func (w *Writer) Log(a schema.LoggedAttempt) {
	w.mu.Lock()
	if w.stopped || len(w.queue) >= w.cfg.QueueSize { // under the lock: none is left behind by flush's take
		w.mu.Unlock()
		w.dropped.Add(1)
		return
	}
	w.queue = append(w.queue, a)
	first := len(w.queue) == 1
	w.mu.Unlock()
	if first {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// take returns what is queued and empties the queue; with stop, Log
// drops from then on.
func (w *Writer) take(stop bool) []schema.LoggedAttempt {
	w.mu.Lock()
	defer w.mu.Unlock()
	if stop {
		w.stopped = true
	}
	q := w.queue
	w.queue = nil
	return q
}

// WriterStats are a Writer's counts since it was made.
type WriterStats struct {
	Written int64 // attempts Kafka acknowledged
	Dropped int64 // records that found the queue full (or came after Run ended)
	Failed  int64 // attempts dropped after their write failed for WriteTimeout (or FlushTimeout)
}

// Stats returns the Writer's counts.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Written: w.written.Load(), Dropped: w.dropped.Load(), Failed: w.failed.Load()}
}

// Run writes queued records until ctx ends, then writes what is queued
// within FlushTimeout and returns nil: at most WriteTimeout (a write under
// way) and FlushTimeout after ctx ended. Records logged after that, and
// all of them when ctx ends before the topic's partitions are known, are
// dropped and counted. Run may be called once.
func (w *Writer) Run(ctx context.Context) error {
	partitions, ok := w.partitions(ctx)
	if !ok { // stopped before the topic was known
		w.failed.Add(int64(len(w.take(true))))
		return nil
	}
	linger := time.NewTimer(w.cfg.Linger)
	linger.Stop()
	for {
		select {
		case <-w.wake:
			linger.Reset(w.cfg.Linger) // let the round's attempts come
			select {
			case <-linger.C:
				// A round taken is written whole, each write within
				// WriteTimeout, even if ctx ends meanwhile.
				w.writeAll(context.WithoutCancel(ctx), partitions, w.take(false))
			case <-ctx.Done():
				linger.Stop()
				w.flush(ctx, partitions)
				return nil
			}
		case <-ctx.Done():
			w.flush(ctx, partitions)
			return nil
		}
	}
}

// flush writes what is queued within FlushTimeout; Log drops from now on.
func (w *Writer) flush(ctx context.Context, partitions int) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.FlushTimeout)
	defer cancel()
	if left := w.writeAll(fctx, partitions, w.take(true)); left > 0 {
		w.cfg.Log.Warn("delivery log: records not written within the flush timeout on shutdown",
			zap.Duration("flush_timeout", w.cfg.FlushTimeout), zap.Int("attempts", left))
	}
}

// writeAll writes q, encoded, in writes of up to MaxBatchBytes; what is
// left once ctx has ended (the flush's deadline) is counted as failed, and
// returned.
func (w *Writer) writeAll(ctx context.Context, partitions int, q []schema.LoggedAttempt) (left int) {
	var recs []record
	size := 0
	for i, a := range q {
		if ctx.Err() != nil {
			w.failed.Add(int64(len(q) - i))
			return len(q) - i
		}
		v, err := encode(a)
		if err != nil { // not for the types of LoggedAttempt
			w.failed.Add(1)
			continue
		}
		recs, size = append(recs, record{hookID: a.HookID, value: v}), size+len(v)
		if size >= w.cfg.MaxBatchBytes {
			w.write(ctx, partitions, recs)
			recs, size = nil, 0
		}
	}
	if len(recs) > 0 {
		w.write(ctx, partitions, recs)
	}
	return 0
}

// partitions asks Kafka how many partitions the topic has, retrying until
// ctx ends (false).
func (w *Writer) partitions(ctx context.Context) (int, bool) {
	var n int
	ok := backoff.Retry(ctx, func() error {
		n = 0
		if err := w.cfg.Kafka.Spans(ctx, w.cfg.Topic, func(int, int64, int64) { n++ }); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("topic %s has no partitions", w.cfg.Topic)
		}
		return nil
	}, func(err error, pause time.Duration) {
		w.cfg.Log.Warn("delivery log: reading the topic's partitions; retrying", zap.Error(err), zap.Duration("after", pause))
	})
	return n, ok
}

// record is one encoded attempt with its hook.
type record struct {
	hookID int64
	value  []byte
}

// write produces recs, each partition's as one batch, concurrently,
// retrying a failed batch until WriteTimeout; what is not written by then
// is counted as failed. A partition's attempts of the round are packed
// into as few Kafka records as maxPack allows (see pack).
func (w *Writer) write(ctx context.Context, partitions int, recs []record) {
	byPart := map[int]*batch{}
	for _, r := range recs { // the bytes of each partition, to size its records
		p := partitionOf(r.hookID, partitions)
		b := byPart[p]
		if b == nil {
			b = &batch{}
			byPart[p] = b
		}
		b.left += len(r.value) + 1
	}
	for _, r := range recs {
		byPart[partitionOf(r.hookID, partitions)].pack(r)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.WriteTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for p, b := range byPart {
		wg.Go(func() { w.produce(wctx, p, b) })
	}
	wg.Wait()
}

// maxPack bounds the value of a Kafka record that packs attempts: far
// below the broker's default max.message.bytes (1 MiB).
const maxPack = 64 << 10

// batch is one partition's records of a round: its attempts, of any of
// its hooks, packed into records of one attempt per line, up to maxPack
// each. Kafka's work and the index's reading are per record: packing by
// partition, not by hook, keeps a record per few hundred attempts however
// many hooks share them. The records have no key (the partition is the
// writer's choice: partitionOf).
type batch struct {
	recs     [][2][]byte
	attempts int
	left     int // bytes of the attempts still to pack, a separator each
}

// pack adds r to the last record, or to a new one, sized for what is left
// up to maxPack, when that would pass maxPack.
func (b *batch) pack(r record) {
	b.attempts++
	b.left -= len(r.value) + 1
	if n := len(b.recs); n > 0 && len(b.recs[n-1][1])+1+len(r.value) <= maxPack {
		b.recs[n-1][1] = append(append(b.recs[n-1][1], '\n'), r.value...)
		return
	}
	v := append(make([]byte, 0, min(maxPack, len(r.value)+max(b.left, 0))), r.value...)
	b.recs = append(b.recs, [2][]byte{nil, v})
}

// produce writes b to partition p, retrying until ctx ends.
func (w *Writer) produce(ctx context.Context, p int, b *batch) {
	for n := 1; ; n++ {
		_, err := w.cfg.Kafka.Produce(ctx, w.cfg.Topic, p, b.recs...)
		if err == nil {
			w.written.Add(int64(b.attempts))
			return
		}
		if ctx.Err() != nil || !backoff.Sleep(ctx, backoff.Wait(n, 100*time.Millisecond, time.Second)) {
			w.failed.Add(int64(b.attempts))
			w.cfg.Log.Warn("delivery log: records not written; dropped", zap.String("topic", w.cfg.Topic), zap.Int("partition", p),
				zap.Int("attempts", b.attempts), zap.Error(err))
			return
		}
	}
}
