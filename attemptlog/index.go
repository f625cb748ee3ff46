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
	// MaxBytes bounds the memory of the attempts kept, all hooks
	// together: the blocks their lines are kept in, plus entryOverhead an
	// attempt. The block read first goes first, whichever hooks its
	// attempts are of. Default DefaultIndexBytes (64 MiB).
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

// entryOverhead is what an attempt kept costs besides its line: its
// entry in its hook's list, counted against MaxBytes.
const entryOverhead = 64

// maxBlock is the largest block of lines the index allocates: MaxBytes/16
// up to it (see Index).
const maxBlock = 1 << 20

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
//
// An attempt is kept as its line of the topic, copied into a block of
// lines (MaxBytes/16, at most maxBlock), and an entry in its hook's list:
// its position, its account and where its line is. It is decoded again
// when a page shows it. Blocks go whole, the oldest first, when MaxBytes
// is reached, taking their attempts with them; the memory of the last to
// go is kept for the next (so the index holds up to a block more than
// MaxBytes). Blocks are outside the Go heap where the system allows it
// (blockMem), and neither blocks nor entries hold pointers, so the
// garbage collector has next to nothing to trace or count however many
// attempts are kept, and keeping one allocates nothing. Kept as decoded
// attempts (two allocations and five pointers each), 200,000 of them
// made the collector's work show in the delivery throughput.
type Index struct {
	cfg       IndexConfig
	ready     chan struct{}
	blockSize int // of a block of lines

	mu    sync.RWMutex
	hooks map[int64][]entry // each sorted by position, oldest first
	// blocks are the blocks of lines, oldest first; the last is being
	// filled. first is the number of blocks[0]: blocks are numbered in
	// the order they were made.
	blocks []*block
	first  uint64
	spare  block // the memory of the last block to go, for the next one
	live   int
	bytes  int64 // the blocks' capacities, plus entryOverhead an attempt

	skipped atomic.Int64
}

// block is a block of lines, appended to only. Its data is outside the Go
// heap when mapped (blockMem), so nothing may keep a slice of it beyond
// the index's lock: pages copy what they decode.
type block struct {
	data   []byte
	mapped bool
	// hooks are the hooks with attempts in the block (perhaps more than
	// once each), whose lists lose them when the block goes.
	hooks []int64
}

// entry is one attempt kept. It has no pointer.
type entry struct {
	pos    position
	client int64
	block  uint64 // its number
	off, n uint32 // where its line is in the block
}

// find returns where pos is in list, and whether it is there.
func find(list []entry, pos position) (int, bool) {
	return slices.BinarySearchFunc(list, pos, func(e entry, p position) int {
		switch {
		case e.pos.less(p):
			return -1
		case p.less(e.pos):
			return 1
		}
		return 0
	})
}

// NewIndex returns an empty Index; Run fills it.
func NewIndex(cfg IndexConfig) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Index{cfg: cfg, ready: make(chan struct{}), hooks: map[int64][]entry{},
		blockSize: int(max(min(cfg.MaxBytes/16, maxBlock), 1))}, nil
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
		pos := position{at: a.At.UnixNano(), partition: int32(partition), offset: offset, line: n}
		if !x.add(a.HookID, a.ClientID, pos, line) {
			continue // read before: a follow that started again
		}
		if x.cfg.Observer != nil {
			x.cfg.Observer.Observe(a)
		}
	}
}

// add keeps line as the attempt of hook and client at pos, evicting what
// the bounds need; false when pos is kept already.
func (x *Index) add(hook, client int64, pos position, line []byte) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	list := x.hooks[hook]
	i := len(list) // usually the newest: search from the end
	for i > 0 && pos.less(list[i-1].pos) {
		i--
	}
	if x.kept(list, i, pos, line) {
		return false
	}
	num, b := x.blockFor(len(line))
	e := entry{pos: pos, client: client, block: num, off: uint32(len(b.data)), n: uint32(len(line))}
	b.data = append(b.data, line...)
	if len(b.hooks) == 0 || b.hooks[len(b.hooks)-1] != hook {
		b.hooks = append(b.hooks, hook)
	}
	list = slices.Insert(list, i, e)
	x.live++
	x.bytes += entryOverhead
	if len(list) > x.cfg.PerHook { // its line stays in its block until the block goes
		list = list[1:]
		x.live--
		x.bytes -= entryOverhead
	}
	x.hooks[hook] = list
	for x.bytes > x.cfg.MaxBytes && len(x.blocks) > 1 {
		x.evictOldest()
	}
	return true
}

// kept reports whether list, where line at pos would go at i, has it
// already: at pos (a record read twice), or the same line at the same
// start time elsewhere (a write that timed out but reached Kafka, written
// again). Both are the same attempt.
func (x *Index) kept(list []entry, i int, pos position, line []byte) bool {
	for j := i - 1; j >= 0 && list[j].pos.at == pos.at; j-- {
		if list[j].pos == pos || bytes.Equal(x.line(&list[j]), line) {
			return true
		}
	}
	for j := i; j < len(list) && list[j].pos.at == pos.at; j++ {
		if bytes.Equal(x.line(&list[j]), line) {
			return true
		}
	}
	return false
}

// blockFor returns the block to append a line of n bytes to, and its
// number: the last one if the line fits, else a new one (of its own size
// for a line larger than a block).
func (x *Index) blockFor(n int) (uint64, *block) {
	if k := len(x.blocks); k > 0 {
		if b := x.blocks[k-1]; len(b.data)+n <= cap(b.data) {
			return x.first + uint64(k-1), b
		}
	}
	b := &block{}
	if n <= x.blockSize && x.spare.data != nil {
		*b, x.spare = x.spare, block{}
	} else {
		b.data, b.mapped = blockMem(max(x.blockSize, n))
	}
	x.blocks = append(x.blocks, b)
	x.bytes += int64(cap(b.data))
	return x.first + uint64(len(x.blocks)-1), b
}

// evictOldest drops the oldest block and its attempts.
func (x *Index) evictOldest() {
	b, num := x.blocks[0], x.first
	x.blocks[0] = nil
	x.blocks = x.blocks[1:]
	x.first++
	x.bytes -= int64(cap(b.data))
	slices.Sort(b.hooks)
	for _, h := range slices.Compact(b.hooks) {
		list, ok := x.hooks[h]
		if !ok {
			continue // its attempts in the block were dropped by PerHook
		}
		n := len(list)
		list = slices.DeleteFunc(list, func(e entry) bool { return e.block == num })
		x.live -= n - len(list)
		x.bytes -= int64(n-len(list)) * entryOverhead
		if len(list) == 0 {
			delete(x.hooks, h)
		} else {
			x.hooks[h] = list
		}
	}
	switch { // nothing refers to b's lines any more
	case cap(b.data) == x.blockSize && x.spare.data == nil: // the next block's, without a new mapping
		x.spare = block{data: b.data[:0], mapped: b.mapped}
	case b.mapped:
		freeBlockMem(b.data)
	}
}

// line is e's line.
func (x *Index) line(e *entry) []byte {
	b := x.blocks[e.block-x.first]
	return b.data[e.off : e.off+e.n]
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
		i, _ = find(list, *after)
	}
	var last position // of the last attempt on the page
	for i--; i >= 0; i-- {
		e := &list[i]
		at := time.Unix(0, e.pos.at)
		if !q.Since.IsZero() && at.Before(q.Since) {
			break // the list is in start order: all older from here
		}
		if e.client != clientID || !q.Until.IsZero() && !at.Before(q.Until) {
			continue
		}
		a, err := decode(x.line(e))
		if err != nil || !q.selects(&a) {
			continue // err: it decoded when read, so it cannot
		}
		if len(page.Attempts) == limit { // one more: there is a next page
			page.Next = last.cursor()
			break
		}
		page.Attempts = append(page.Attempts, a)
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
