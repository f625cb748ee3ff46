package consumer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/internal/workers"
)

// t0 is when fake clocks start (newFakeClock), and the time of fake
// records.
var t0 = time.UnixMilli(1764757200123)

func newFakeClock() *clock.Fake { return clock.NewFake(t0) }

// fakeReader serves fixed records of one partition, and then blocks, as
// kafka-go's Reader does at the end of a partition, until ctx ends.
type fakeReader struct {
	mu      sync.Mutex
	msgs    []kafka.Message
	pos     int
	fetches int     // FetchMessage calls
	blocked bool    // a FetchMessage call waits past the last record
	setTo   []int64 // SetOffset calls, in order
	closed  int
}

var _ reader = (*fakeReader)(nil)

// newFakeReader has n records of partition from offset from, valued by
// their offset, the high water mark past the last.
func newFakeReader(partition int, from int64, n int) *fakeReader {
	r := &fakeReader{}
	for i := range int64(n) {
		r.msgs = append(r.msgs, kafka.Message{Topic: "in", Partition: partition, Offset: from + i,
			Value: fmt.Append(nil, from+i), HighWaterMark: from + int64(n), Time: t0})
	}
	return r
}

func (r *fakeReader) SetOffset(offset int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.setTo = append(r.setTo, offset)
	r.pos = 0
	for r.pos < len(r.msgs) && r.msgs[r.pos].Offset < offset {
		r.pos++
	}
	return nil
}

func (r *fakeReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	r.mu.Lock()
	r.fetches++
	if r.pos < len(r.msgs) {
		m := r.msgs[r.pos]
		r.pos++
		r.mu.Unlock()
		return m, nil
	}
	r.blocked = true
	r.mu.Unlock()
	<-ctx.Done()
	r.mu.Lock()
	r.blocked = false
	r.mu.Unlock()
	return kafka.Message{}, ctx.Err()
}

func (r *fakeReader) Close() error {
	r.mu.Lock()
	r.closed++
	r.mu.Unlock()
	return nil
}

func (r *fakeReader) state() (fetches int, blocked bool, setTo []int64, closed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fetches, r.blocked, append([]int64(nil), r.setTo...), r.closed
}

// fakeStore is a coordinator's offsets of one group.
type fakeStore struct {
	mu      sync.Mutex
	offset  int64 // committed, with meta
	meta    string
	commits []fakeCommit
}

type fakeCommit struct {
	offset int64
	meta   string
}

var _ offsetStore = (*fakeStore)(nil)

func (s *fakeStore) commit(_ context.Context, _ TopicPartition, offset int64, metadata string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset, s.meta = offset, metadata
	s.commits = append(s.commits, fakeCommit{offset, metadata})
	return nil
}

func (s *fakeStore) committed(context.Context, TopicPartition) (int64, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset, s.meta, nil
}

// last is the last commit; ok false when none was made.
func (s *fakeStore) last() (c fakeCommit, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.commits) == 0 {
		return fakeCommit{}, false
	}
	return s.commits[len(s.commits)-1], true
}

// logStartsAt says every log starts at 0: nothing deleted.
type logStartsAt int64

func (l logStartsAt) LogStart(context.Context, string, int) (int64, error) { return int64(l), nil }

// mustFakeGroup is a Group of cfg and h on clk without a broker: its
// partitions are made with fakePartition.
func mustFakeGroup(tb testing.TB, cfg GroupConfig, h Handler, clk clock.Clock) *Group {
	tb.Helper()
	cfg.Brokers, cfg.GroupID, cfg.Topics = []string{"fake:9092"}, "g", []string{"in"}
	cfg.Log = zaptest.NewLogger(tb)
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	cfg = cfg.withDefaults()
	g := &Group{cfg: cfg, handler: h, slots: newSlots(cfg.MaxInFlight), workers: workers.New(cfg.MaxInFlight), stats: newStats(), clock: clk}
	tb.Cleanup(g.workers.Close) // after the partitions' cleanups
	return g
}

// fakePartition is partition id of g from start, reading r and committing
// to s.
func fakePartition(g *Group, id int, start int64, r *fakeReader, s *fakeStore) *partition {
	return &partition{
		g: g, tp: TopicPartition{"in", id}, start: start, store: s,
		newReader: func() reader { return r }, logStarts: logStartsAt(0), clock: g.clock,
		log: g.cfg.Log.With(zap.Int("partition", id)),
	}
}

// mustRun runs p until the returned cancel is called (a generation that
// ends); done is closed when run has returned.
func mustRun(tb testing.TB, p *partition) (cancel func(), done <-chan struct{}) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := make(chan struct{})
	go func() {
		defer close(d)
		p.run(ctx)
	}()
	tb.Cleanup(func() { cancel(); <-d })
	return cancel, d
}

func returned(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// heldHandler records the offsets it is given and holds those in hold
// until they are let go (release) or, if untilCancelled, until their
// context ends.
type heldHandler struct {
	mu             sync.Mutex
	started        map[int64]int
	done           map[int64]int
	hold           map[int64]chan struct{}
	untilCancelled bool
	cancelled      map[int64]bool // the context ended while held
	fail           map[int64]int  // fail this many calls
}

func newHeldHandler(hold ...int64) *heldHandler {
	h := &heldHandler{started: map[int64]int{}, done: map[int64]int{}, hold: map[int64]chan struct{}{},
		cancelled: map[int64]bool{}, fail: map[int64]int{}}
	for _, o := range hold {
		h.hold[o] = make(chan struct{})
	}
	return h
}

func (h *heldHandler) Handle(ctx context.Context, m Message) error {
	h.mu.Lock()
	h.started[m.Offset]++
	hold := h.hold[m.Offset]
	failing := h.fail[m.Offset] > 0
	if failing {
		h.fail[m.Offset]--
	}
	h.mu.Unlock()
	if failing {
		return fmt.Errorf("handling %d: broker unavailable", m.Offset)
	}
	if hold != nil {
		if h.untilCancelled {
			<-ctx.Done()
			h.mu.Lock()
			h.cancelled[m.Offset] = true
			h.mu.Unlock()
			return ctx.Err()
		}
		<-hold
	}
	h.mu.Lock()
	h.done[m.Offset]++
	h.mu.Unlock()
	return nil
}

// release lets the held message at offset go.
func (h *heldHandler) release(offset int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.hold[offset]; c != nil {
		close(c)
		delete(h.hold, offset)
	}
}

// releaseAll lets every held message go.
func (h *heldHandler) releaseAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for o, c := range h.hold {
		close(c)
		delete(h.hold, o)
	}
}

// counts returns how many messages were started and done, and a copy of
// started and done by offset.
func (h *heldHandler) counts() (started, done map[int64]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	started, done = map[int64]int{}, map[int64]int{}
	for k, v := range h.started {
		started[k] = v
	}
	for k, v := range h.done {
		done[k] = v
	}
	return started, done
}
