package attemptlog

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
	"github.com/postload/postload/schema"
)

// IndexConfig configures an Index.
type IndexConfig struct {
	// Kafka is where the log is read. Required.
	Kafka Kafka
	// Topic is the delivery log's topic. Default DefaultTopic.
	Topic string
	// PerHook is the most attempts kept per hook; a hook's oldest go
	// first. Default DefaultPerHook (1000).
	PerHook int
	// MaxBytes bounds the attempts kept, all hooks together, by the size
	// of their records (plus entryOverhead each); the oldest go first,
	// whichever hook they are of. Default DefaultIndexBytes (64 MiB).
	MaxBytes int64
	// Observer, if set, is told of every attempt the index reads, in each
	// partition's order, and once it has read the topic up to where it
	// ended at start (CaughtUp): one read of the log serves it too.
	// autodisable.Tracker is one.
	Observer Observer
	// Log receives records that do not decode. Default: none.
	Log *zap.Logger
}

// Observer is told of the attempts an Index reads; its methods are called
// concurrently and must not block.
type Observer interface {
	Observe(schema.LoggedAttempt)
	CaughtUp()
}

// Defaults of IndexConfig.
const (
	DefaultPerHook    = 1000
	DefaultIndexBytes = 64 << 20
)

// entryOverhead is what an attempt kept costs besides its record's bytes
// (the entry, its place in two lists), counted against MaxBytes.
const entryOverhead = 128

func (c IndexConfig) withDefaults() IndexConfig {
	c.Topic = cmp.Or(c.Topic, DefaultTopic)
	c.PerHook = cmp.Or(c.PerHook, DefaultPerHook)
	c.MaxBytes = cmp.Or(c.MaxBytes, DefaultIndexBytes)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c IndexConfig) Validate() error {
	var errs []error
	if c.Kafka == nil {
		errs = append(errs, errors.New("attemptlog: IndexConfig.Kafka is nil: give the Kafka client"))
	}
	if c.PerHook < 0 || c.MaxBytes < 0 {
		errs = append(errs, errors.New("attemptlog: PerHook and MaxBytes must not be negative (0: the default)"))
	}
	return errors.Join(errs...)
}

// Index keeps the recent attempts of every hook in memory, read from the
// delivery log's topic, bounded per hook and in total. Safe for concurrent
// use.
type Index struct {
	cfg   IndexConfig
	ready chan struct{}

	mu    sync.RWMutex
	hooks map[int64][]*entry // each sorted by position, oldest first
	// arrival is every entry kept, oldest first, and entries dropped from
	// their hook since (dead) until they reach its head: the order in
	// which MaxBytes evicts. head is its first live place.
	arrival []*entry
	head    int
	live    int
	bytes   int64

	skipped atomic.Int64
}

// entry is one attempt kept.
type entry struct {
	pos  position
	a    schema.LoggedAttempt
	size int64
	dead bool
}

// NewIndex returns an empty Index; Run fills it.
func NewIndex(cfg IndexConfig) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Index{cfg: cfg.withDefaults(), ready: make(chan struct{}), hooks: map[int64][]*entry{}}, nil
}

// Run reads every partition of the topic from its first record, then
// follows it, until ctx ends; it returns nil then, once every goroutine it
// started has exited. The Index is ready once every partition was read up
// to where it ended when Run began. Kafka failures are logged and
// retried.
func (x *Index) Run(ctx context.Context) error {
	var parts []int
	if !backoff.Retry(ctx, func() error {
		parts = parts[:0]
		return x.cfg.Kafka.Spans(ctx, x.cfg.Topic, func(p int, _, _ int64) { parts = append(parts, p) })
	}, func(err error, pause time.Duration) {
		x.cfg.Log.Warn("delivery log index: reading the topic's partitions; retrying", zap.Error(err), zap.Duration("after", pause))
	}) {
		return nil
	}
	var pending sync.WaitGroup
	pending.Add(len(parts))
	var wg sync.WaitGroup
	wg.Go(func() {
		pending.Wait()
		close(x.ready)
		if x.cfg.Observer != nil && ctx.Err() == nil { // read to the end, not stopped
			x.cfg.Observer.CaughtUp()
		}
	})
	for _, p := range parts {
		wg.Go(func() {
			var once sync.Once
			caughtUp := func() { once.Do(pending.Done) }
			defer caughtUp() // stopped before: let the waiter go
			_ = x.cfg.Kafka.Follow(ctx, x.cfg.Topic, p, -1, caughtUp, func(offset int64, _ time.Time, _, value []byte) error {
				x.apply(p, offset, value)
				return nil
			})
		})
	}
	wg.Wait()
	return nil
}

// Ready reports whether the index has read the topic up to where it ended
// when Run began.
func (x *Index) Ready() bool {
	select {
	case <-x.ready:
		return true
	default:
		return false
	}
}

// Wait blocks until the Index is ready or ctx ends.
func (x *Index) Wait(ctx context.Context) error {
	select {
	case <-x.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// apply adds the attempts of one record of the topic: one per line.
func (x *Index) apply(partition int, offset int64, value []byte) {
	for n := int32(0); len(value) > 0; n++ {
		line := value
		if i := bytes.IndexByte(value, '\n'); i >= 0 {
			line, value = value[:i], value[i+1:]
		} else {
			value = nil
		}
		a, err := decode(line)
		if err != nil {
			x.skipped.Add(1)
			x.cfg.Log.Warn("delivery log index: skipping an attempt that does not decode",
				zap.Int("partition", partition), zap.Int64("offset", offset), zap.Int32("line", n), zap.Error(err))
			continue
		}
		x.add(position{at: a.At.UnixNano(), partition: int32(partition), offset: offset, line: n}, a, int64(len(line)))
		if x.cfg.Observer != nil {
			x.cfg.Observer.Observe(a)
		}
	}
}

// add keeps a at pos, evicting what the bounds need.
func (x *Index) add(pos position, a schema.LoggedAttempt, size int64) {
	e := &entry{pos: pos, a: a, size: size + entryOverhead}
	x.mu.Lock()
	defer x.mu.Unlock()
	list := x.hooks[a.HookID]
	i := len(list) // usually the newest: search from the end
	for i > 0 && pos.less(list[i-1].pos) {
		i--
	}
	list = slices.Insert(list, i, e)
	x.arrival = append(x.arrival, e)
	x.live++
	x.bytes += e.size
	if len(list) > x.cfg.PerHook {
		x.drop(list[0])
		list[0] = nil // not kept alive by the array
		list = list[1:]
	}
	x.hooks[a.HookID] = list
	for x.bytes > x.cfg.MaxBytes && x.live > 0 {
		x.evictOldest()
	}
	x.compact()
}

// drop marks e dropped from the counts; its hook's list is the caller's.
func (x *Index) drop(e *entry) {
	e.dead = true
	x.live--
	x.bytes -= e.size
}

// evictOldest drops the entry that arrived first of those kept.
func (x *Index) evictOldest() {
	for x.head < len(x.arrival) {
		e := x.arrival[x.head]
		x.arrival[x.head] = nil
		x.head++
		if e.dead {
			continue
		}
		x.drop(e)
		list := x.hooks[e.a.HookID]
		if i := slices.Index(list, e); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(x.hooks, e.a.HookID)
		} else {
			x.hooks[e.a.HookID] = list
		}
		return
	}
}

// compact drops the dead entries from arrival once they are most of it,
// so that it stays within about twice the entries kept.
func (x *Index) compact() {
	if len(x.arrival) < 1024 || len(x.arrival) < 2*x.live {
		return
	}
	kept := make([]*entry, 0, 2*x.live)
	for _, e := range x.arrival[x.head:] {
		if !e.dead {
			kept = append(kept, e)
		}
	}
	x.arrival, x.head = kept, 0
}

// Attempts returns a page of the attempts of hook hookID of account
// clientID that q selects, newest first; ErrBadCursor for a cursor no page
// gave.
func (x *Index) Attempts(clientID, hookID int64, q Query) (Page, error) {
	var after *position
	if q.Cursor != "" {
		p, err := parseCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		after = &p
	}
	limit := max(q.Limit, 1)
	page := Page{Attempts: []schema.LoggedAttempt{}}
	x.mu.RLock()
	defer x.mu.RUnlock()
	list := x.hooks[hookID]
	i := len(list)
	if after != nil { // the first older than the cursor
		i, _ = slices.BinarySearchFunc(list, *after, func(e *entry, p position) int {
			if e.pos.less(p) {
				return -1
			}
			if p.less(e.pos) {
				return 1
			}
			return 0
		})
	}
	var last position // of the last attempt on the page
	for i--; i >= 0; i-- {
		e := list[i]
		if e.a.ClientID != clientID || !q.selects(&e.a) {
			continue
		}
		if len(page.Attempts) == limit { // one more: there is a next page
			page.Next = last.cursor()
			break
		}
		page.Attempts = append(page.Attempts, e.a)
		last = e.pos
	}
	return page, nil
}

// IndexStats are an Index's figures.
type IndexStats struct {
	Attempts int   // kept
	Bytes    int64 // counted against MaxBytes
	Hooks    int   // with attempts kept
	Skipped  int64 // attempts that did not decode, since start
}

// Stats returns the Index's figures.
func (x *Index) Stats() IndexStats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return IndexStats{Attempts: x.live, Bytes: x.bytes, Hooks: len(x.hooks), Skipped: x.skipped.Load()}
}
