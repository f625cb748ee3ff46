package consumer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
)

// The group's bound on messages in flight holds across its partitions:
// once MaxInFlight messages are in flight, every partition stops fetching
// (each fetch loop waits for a slot before it fetches), and one more is
// fetched as one finishes.
func TestGroupBoundStopsFetchingAcrossPartitions(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler(0, 1, 2, 3, 4, 100, 101, 102, 103, 104) // every message held
	g := mustFakeGroup(t, GroupConfig{MaxInFlight: 2, MaxInFlightPerPartition: 4}, h, clk)
	// Offsets apart, so that the handler tells the partitions' messages apart.
	r0, r1 := newFakeReader(0, 0, 5), newFakeReader(1, 100, 5)
	defer h.releaseAll()
	mustRun(t, fakePartition(g, 0, 0, r0, &fakeStore{offset: 0}))
	mustRun(t, fakePartition(g, 1, 100, r1, &fakeStore{offset: 100}))

	fetched := func() int { a, _, _, _ := r0.state(); b, _, _, _ := r1.state(); return a + b }
	inFlight := func() int {
		s, _ := h.counts()
		n := 0
		for _, v := range s {
			n += v
		}
		return n
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		return inFlight() == 2 && g.slots.waiting() == 2, fmt.Sprintf("%d in flight, %d fetch loops waiting", inFlight(), g.slots.waiting())
	})
	// Both fetch loops wait for a slot, so neither can fetch again.
	if n := fetched(); n != 2 {
		t.Fatalf("%d fetches with 2 messages in flight at the group's bound of 2", n)
	}

	started, _ := h.counts()
	h.release(slices.Collect(maps.Keys(started))[0])
	wait.For(t, 10*time.Second, func() (bool, string) {
		return inFlight() == 3 && g.slots.waiting() == 2, fmt.Sprintf("%d started, %d fetch loops waiting", inFlight(), g.slots.waiting())
	})
	if n := fetched(); n != 3 {
		t.Fatalf("%d fetches after one of 2 in flight finished, want 3", n)
	}
}

// The gate holds the head of the partition: while it holds a message,
// nothing behind it is fetched or handled; once it lets go, the rest is.
func TestGateHoldsTheHeadAndNothingBehindIt(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler()
	open := make(chan struct{})
	var reached atomic.Bool
	cfg := GroupConfig{Gate: func(ctx context.Context, m Message) error {
		if m.Offset != 2 {
			return nil
		}
		reached.Store(true)
		select {
		case <-open:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	g := mustFakeGroup(t, cfg, h, clk)
	r := newFakeReader(0, 0, 5)
	mustRun(t, fakePartition(g, 0, 0, r, &fakeStore{offset: 0}))

	wait.For(t, 10*time.Second, func() (bool, string) {
		_, done := h.counts()
		return reached.Load() && len(done) == 2, fmt.Sprintf("gate reached offset 2: %v; done %v, want 0 and 1", reached.Load(), done)
	})
	if fetches, _, _, _ := r.state(); fetches != 3 {
		t.Errorf("%d fetches while the gate holds offset 2, want 3 (0, 1 and 2)", fetches)
	}
	if started, _ := h.counts(); len(started) != 2 || started[2] > 0 {
		t.Errorf("handled %v while the gate holds offset 2", started)
	}
	close(open)
	wait.For(t, 10*time.Second, func() (bool, string) {
		_, done := h.counts()
		return len(done) == 5, fmt.Sprintf("done %v, want 0 to 4", done)
	})
}

// When the generation ends, a handler still running at DrainTimeout has its
// context cancelled, not before; then the partition commits what was
// finished, marked not clean (the handler may have left a write behind),
// and returns.
func TestDrainDeadlineCancelsHandlersThenCommitsNotClean(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler(1)
	h.untilCancelled = true
	g := mustFakeGroup(t, GroupConfig{DrainTimeout: 15 * time.Second}, h, clk)
	r, s := newFakeReader(0, 0, 3), &fakeStore{offset: 0}
	endGeneration, done := mustRun(t, fakePartition(g, 0, 0, r, s))
	wait.For(t, 10*time.Second, func() (bool, string) {
		started, done := h.counts()
		return started[1] == 1 && len(done) == 2, fmt.Sprintf("started %v, done %v", started, done)
	})

	endGeneration()
	wait.For(t, 10*time.Second, func() (bool, string) {
		return clk.Waiting(15*time.Second) == 1, "the drain deadline is not set"
	})
	h.mu.Lock()
	early := h.cancelled[1]
	h.mu.Unlock()
	if early || returned(done) {
		t.Fatalf("before the drain deadline: handler cancelled %v, run returned %v", early, returned(done))
	}
	clk.Advance(15 * time.Second)
	wait.For(t, 10*time.Second, func() (bool, string) { return returned(done), "run has not returned" })

	if !h.cancelled[1] {
		t.Error("the held handler's context was not cancelled")
	}
	c, ok := s.last()
	if !ok {
		t.Fatal("no commit")
	}
	got := decodeProgress(c.meta, c.offset)
	if c.offset != 1 || got.clean || !got.done[2] || len(got.done) != 1 {
		t.Errorf("last commit %d %q: want offset 1, 2 finished beyond it, not clean", c.offset, c.meta)
	}
}

// A rebalance ends the generation: the partition stops fetching at once,
// lets the handler in flight finish, commits everything, marked clean, and
// returns, its reader closed and its figures gone from Stats.
func TestRebalanceStopsFetchingDrainsCommitsAndReturns(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler(3)
	g := mustFakeGroup(t, GroupConfig{}, h, clk)
	r, s := newFakeReader(0, 0, 4), &fakeStore{offset: 0}
	defer h.releaseAll()
	endGeneration, done := mustRun(t, fakePartition(g, 0, 0, r, s))
	wait.For(t, 10*time.Second, func() (bool, string) {
		started, done := h.counts()
		_, blocked, _, _ := r.state()
		return started[3] == 1 && len(done) == 3 && blocked, fmt.Sprintf("started %v, done %v, fetch waiting %v", started, done, blocked)
	})

	endGeneration()
	wait.For(t, 10*time.Second, func() (bool, string) {
		_, blocked, _, _ := r.state()
		return !blocked, "the fetch still waits for a record"
	})
	if returned(done) {
		t.Fatal("returned with a handler in flight, before the drain deadline")
	}
	if _, ok := g.stats.Partitions()[TopicPartition{"in", 0}]; !ok {
		t.Error("the partition left Stats while draining")
	}
	h.release(3)
	wait.For(t, 10*time.Second, func() (bool, string) { return returned(done), "run has not returned" })

	c, _ := s.last()
	if got := decodeProgress(c.meta, c.offset); c.offset != 4 || !got.clean {
		t.Errorf("last commit %d %q: want offset 4, clean", c.offset, c.meta)
	}
	if fetches, _, _, closed := r.state(); fetches != 5 || closed != 1 {
		t.Errorf("%d fetches, reader closed %d times; want 5 (4 records and the one the rebalance ended), closed once", fetches, closed)
	}
	if p := g.stats.Partitions(); len(p) != 0 {
		t.Errorf("Stats still shows %v", p)
	}
}

// Every CommitInterval the partition commits its watermark with what is
// finished beyond it: messages finished out of order, the items of
// messages in flight (Message.Finish), and when the oldest in flight was
// fetched.
func TestCommitCarriesProgressBeyondTheWatermark(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler(10)
	g := mustFakeGroup(t, GroupConfig{CommitInterval: time.Second}, HandlerFunc(func(ctx context.Context, m Message) error {
		if m.Offset == 10 {
			m.Finish(7)
		}
		return h.Handle(ctx, m)
	}), clk)
	// An earlier owner stopped in order at 10: no message is suspect.
	s := &fakeStore{offset: 10, meta: fmt.Sprintf("pl1|||%d|1", t0.UnixMilli())}
	r := newFakeReader(0, 10, 5)
	defer h.releaseAll()
	endGeneration, done := mustRun(t, fakePartition(g, 0, 10, r, s))
	wait.For(t, 10*time.Second, func() (bool, string) {
		started, done := h.counts()
		return started[10] == 1 && len(done) == 4, fmt.Sprintf("started %v, done %v", started, done)
	})

	want := fmt.Sprintf("pl1|1-4|0:7|%d|0", t0.UnixMilli()) // 11-14 finished, 10's item 7
	wait.For(t, 10*time.Second, func() (bool, string) {
		clk.Advance(time.Second) // results may come in after a commit: the next one has them
		c, _ := s.last()
		return c.offset == 10 && c.meta == want, fmt.Sprintf("last commit %d %q, want 10 %q", c.offset, c.meta, want)
	})

	h.release(10)
	endGeneration()
	wait.For(t, 10*time.Second, func() (bool, string) { return returned(done), "run has not returned" })
	c, _ := s.last()
	if got := decodeProgress(c.meta, c.offset); c.offset != 15 || !got.clean || len(got.done)+len(got.items) != 0 {
		t.Errorf("last commit %d %q: want offset 15, clean, nothing beyond", c.offset, c.meta)
	}
}

// A handler that fails stops its partition's fetching; the partition
// drains, commits up to the failed message, waits the backoff (1 s) and
// fetches again from the failed message.
func TestHandlerFailureFetchesAgainFromItAfterTheBackoff(t *testing.T) {
	clk := newFakeClock()
	h := newHeldHandler()
	h.fail[2] = 1
	g := mustFakeGroup(t, GroupConfig{}, h, clk)
	r, s := newFakeReader(0, 0, 5), &fakeStore{offset: 0}
	mustRun(t, fakePartition(g, 0, 0, r, s))
	wait.For(t, 10*time.Second, func() (bool, string) {
		return clk.Waiting(time.Second) == 1, "no backoff wait"
	})
	c, _ := s.last()
	if _, _, setTo, _ := r.state(); c.offset != 2 || !slices.Equal(setTo, []int64{0}) {
		t.Fatalf("during the backoff: last commit %d, reader set to %v; want commit 2, set to 0 only", c.offset, setTo)
	}

	clk.Advance(time.Second)
	wait.For(t, 10*time.Second, func() (bool, string) {
		started, done := h.counts()
		return started[2] == 2 && done[2] == 1 && len(done) == 5, fmt.Sprintf("started %v, done %v", started, done)
	})
	if _, _, setTo, _ := r.state(); !slices.Equal(setTo, []int64{0, 2}) {
		t.Errorf("reader set to %v, want 0, then 2 (the failed message)", setTo)
	}
}
