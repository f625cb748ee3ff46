package attemptlog

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

func mustIndex(tb testing.TB, cfg IndexConfig) *Index {
	tb.Helper()
	cfg.Log = zaptest.NewLogger(tb)
	if cfg.Kafka == nil {
		cfg.Kafka = &kafkaFunc{} // not reached by add
	}
	x, err := NewIndex(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// addN adds n attempts of hook at t0+i s, events ev-0.., outcomes cycling
// delivered, failed, skipped; offsets continue from off.
func addN(x *Index, hook int64, n int, off int64) {
	outcomes := []string{schema.LoggedDelivered, schema.LoggedFailed, schema.LoggedSkipped}
	for i := range n {
		a := attempt(hook, fmt.Sprint("ev-", i), 1, t0.Add(time.Duration(i)*time.Second), outcomes[i%3])
		keep(x, position{at: a.At.UnixNano(), offset: off + int64(i)}, a, 300)
	}
}

func events(p Page) []string {
	var out []string
	for _, a := range p.Attempts {
		out = append(out, a.EventID)
	}
	return out
}

func mustAttempts(tb testing.TB, x *Index, hook int64, q Query) Page {
	tb.Helper()
	p, err := x.Attempts(100+hook, hook, q)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// A hook keeps its PerHook newest attempts; another hook's are its own.
func TestIndexKeepsPerHookNewest(t *testing.T) {
	x := mustIndex(t, IndexConfig{PerHook: 3})
	addN(x, 1, 5, 0)
	addN(x, 2, 2, 100)
	if got := events(mustAttempts(t, x, 1, Query{Limit: 10})); !slices.Equal(got, []string{"ev-4", "ev-3", "ev-2"}) {
		t.Errorf("hook 1: %v, want its 3 newest, newest first", got)
	}
	if got := events(mustAttempts(t, x, 2, Query{Limit: 10})); !slices.Equal(got, []string{"ev-1", "ev-0"}) {
		t.Errorf("hook 2: %v", got)
	}
	if s := x.Stats(); s.Attempts != 5 || s.Hooks != 2 || s.Bytes != maxBlock+5*entryOverhead {
		t.Errorf("stats %+v, want 5 attempts of 2 hooks in one block", s)
	}
}

// Over MaxBytes, the attempts read first go, whichever hook they are of
// (here each line is a block of its own: a block, MaxBytes/16, is smaller
// than a line).
func TestIndexEvictsOldestOverItsByteBound(t *testing.T) {
	const each = 300 + entryOverhead
	x := mustIndex(t, IndexConfig{MaxBytes: 4 * each})
	addN(x, 1, 3, 0)  // read first
	addN(x, 2, 3, 10) // then these: hook 1's first two go
	if got := events(mustAttempts(t, x, 1, Query{Limit: 10})); !slices.Equal(got, []string{"ev-2"}) {
		t.Errorf("hook 1: %v, want only its newest", got)
	}
	if got := events(mustAttempts(t, x, 2, Query{Limit: 10})); len(got) != 3 {
		t.Errorf("hook 2: %v, want all 3", got)
	}
	if s := x.Stats(); s.Attempts != 4 || s.Bytes != 4*each {
		t.Errorf("stats %+v, want 4 attempts, %d bytes", s, 4*each)
	}
	addN(x, 3, 10, 20) // hooks 1 and 2 go entirely
	if s := x.Stats(); s.Attempts != 4 || s.Hooks != 1 {
		t.Errorf("stats %+v, want 4 attempts of one hook", s)
	}
}

// Blocks of lines go whole, the oldest first: what is kept is the newest
// attempts read, from the start of a block, within MaxBytes.
func TestIndexEvictsWholeBlocks(t *testing.T) {
	const line, perBlock = 300, 4
	x := mustIndex(t, IndexConfig{MaxBytes: 16 * perBlock * line}) // a block holds 4 lines
	for i := range 200 {
		a := attempt(int64(i%5+1), fmt.Sprint("ev-", i), 1, t0.Add(time.Duration(i)*time.Millisecond), schema.LoggedDelivered)
		keep(x, position{at: a.At.UnixNano(), offset: int64(i)}, a, line)
	}
	s := x.Stats()
	var oldest = 200
	for h := int64(1); h <= 5; h++ {
		for _, a := range mustAttempts(t, x, h, Query{Limit: 1000}).Attempts {
			var i int
			fmt.Sscanf(a.EventID, "ev-%d", &i)
			oldest = min(oldest, i)
		}
	}
	blockCost := int64(perBlock * (line + entryOverhead))
	if s.Bytes > 16*perBlock*line || s.Bytes <= 16*perBlock*line-blockCost {
		t.Errorf("stats %+v: want within one block (%d bytes) of MaxBytes", s, blockCost)
	}
	if oldest%perBlock != 0 || s.Attempts != 200-oldest {
		t.Errorf("kept %d attempts from ev-%d on: want the newest, from the start of a block", s.Attempts, oldest)
	}
}

// Evicting by PerHook and by MaxBytes together keeps the counts right and
// the memory within MaxBytes (a line PerHook dropped stays in its block
// until the block goes, and is counted until then).
func TestIndexBoundsHoldUnderChurn(t *testing.T) {
	const maxBytes = 50 * (300 + entryOverhead)
	for _, hooks := range []int{13, 1} {
		x := mustIndex(t, IndexConfig{PerHook: 7, MaxBytes: maxBytes})
		for i := range 3000 {
			h := int64(i%hooks + 1)
			a := attempt(h, fmt.Sprint("ev-", i), 1, t0.Add(time.Duration(i)*time.Millisecond), schema.LoggedDelivered)
			keep(x, position{at: a.At.UnixNano(), offset: int64(i)}, a, 300)
		}
		s := x.Stats()
		if s.Bytes > maxBytes || s.Attempts < 7 || s.Attempts > 50 || len(x.blocks) > 17 {
			t.Errorf("%d hooks: stats %+v in %d blocks: want within %d bytes", hooks, s, len(x.blocks), maxBytes)
		}
		n := 0
		for h := int64(1); h <= int64(hooks); h++ {
			got := len(mustAttempts(t, x, h, Query{Limit: 1000}).Attempts)
			if got > 7 {
				t.Errorf("%d hooks: hook %d keeps %d, more than PerHook", hooks, h, got)
			}
			n += got
		}
		if n != s.Attempts {
			t.Errorf("%d hooks: %d attempts listed, stats say %d", hooks, n, s.Attempts)
		}
	}
}

// Attempts are listed newest first by start time, whatever order they
// were read in.
func TestIndexOrdersByStartTime(t *testing.T) {
	x := mustIndex(t, IndexConfig{})
	for i, sec := range []int{5, 1, 3, 2, 4} {
		a := attempt(1, fmt.Sprint("at-", sec), 1, t0.Add(time.Duration(sec)*time.Second), schema.LoggedDelivered)
		keep(x, position{at: a.At.UnixNano(), offset: int64(i)}, a, 300)
	}
	if got := events(mustAttempts(t, x, 1, Query{Limit: 10})); !slices.Equal(got, []string{"at-5", "at-4", "at-3", "at-2", "at-1"}) {
		t.Errorf("order %v", got)
	}
}

func TestIndexFilters(t *testing.T) {
	x := mustIndex(t, IndexConfig{})
	addN(x, 1, 9, 0) // ev-0..8 at t0+0..8s; delivered 0,3,6; failed 1,4,7; skipped 2,5,8
	keep(x, position{at: t0.Add(time.Hour).UnixNano(), offset: 50}, attempt(1, "ev-4", 2, t0.Add(time.Hour), schema.LoggedDelivered), 300)
	for _, tt := range []struct {
		name string
		q    Query
		want []string
	}{
		{"since (inclusive)", Query{Since: t0.Add(7 * time.Second)}, []string{"ev-4", "ev-8", "ev-7"}},
		{"until (exclusive)", Query{Until: t0.Add(2 * time.Second)}, []string{"ev-1", "ev-0"}},
		{"since and until", Query{Since: t0.Add(3 * time.Second), Until: t0.Add(5 * time.Second)}, []string{"ev-4", "ev-3"}},
		{"event id: every attempt of it", Query{EventID: "ev-4"}, []string{"ev-4", "ev-4"}},
		{"outcome", Query{Outcome: schema.LoggedSkipped}, []string{"ev-8", "ev-5", "ev-2"}},
		{"outcome and until", Query{Outcome: schema.LoggedFailed, Until: t0.Add(4 * time.Second)}, []string{"ev-1"}},
		{"nothing", Query{EventID: "nope"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Limit = 100
			if got := events(mustAttempts(t, x, 1, tt.q)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Another account asking for hook 1 sees nothing.
	if p, err := x.Attempts(999, 1, Query{Limit: 100}); err != nil || len(p.Attempts) != 0 || p.Attempts == nil {
		t.Errorf("another account: %v, %v; want an empty list", p.Attempts, err)
	}
}

// Pages follow each other without gaps or repeats, also when attempts are
// added and evicted between them; a cursor no page gave is refused.
func TestIndexPages(t *testing.T) {
	x := mustIndex(t, IndexConfig{PerHook: 7})
	addN(x, 1, 7, 0)
	var all []string
	q := Query{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatalf("more than 3 pages: %v", all)
		}
		p := mustAttempts(t, x, 1, q)
		all = append(all, events(p)...)
		if pages == 0 { // a newer attempt, and the oldest evicted, between pages
			keep(x, position{at: t0.Add(time.Hour).UnixNano(), offset: 99}, attempt(1, "new", 1, t0.Add(time.Hour), schema.LoggedDelivered), 300)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if want := []string{"ev-6", "ev-5", "ev-4", "ev-3", "ev-2", "ev-1"}; !slices.Equal(all, want) { // ev-0 evicted meanwhile
		t.Errorf("pages gave %v, want %v", all, want)
	}
	// A filter keeps its pages too.
	p := mustAttempts(t, x, 1, Query{Limit: 1, Outcome: schema.LoggedFailed})
	p2 := mustAttempts(t, x, 1, Query{Limit: 1, Outcome: schema.LoggedFailed, Cursor: p.Next})
	if events(p)[0] != "ev-4" || events(p2)[0] != "ev-1" || p2.Next != "" {
		t.Errorf("failed pages: %v (next %q), %v (next %q)", events(p), p.Next, events(p2), p2.Next)
	}
	for _, bad := range []string{"x", "!!", position{at: 1, offset: 2}.cursor() + "A", "MTo"} {
		if _, err := x.Attempts(101, 1, Query{Limit: 1, Cursor: bad}); err != ErrBadCursor {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
}

// The Index is rebuilt from the topic: a new one reads what a Writer
// wrote, follows what it writes next, and skips records that do not
// decode.
func TestIndexRebuildsFromTheTopicAndFollowsIt(t *testing.T) {
	c := mustCluster(t, 2)
	k := mustKafka(t, c)
	w := mustWriter(t, WriterConfig{Kafka: k})
	mustRun(t, w.Run)
	for i := range 20 {
		w.Log(attempt(int64(i%2+1), fmt.Sprint("ev-", i), 1, t0.Add(time.Duration(i)*time.Second), schema.LoggedFailed))
	}
	wait.For(t, 10*time.Second, func() (bool, string) { return w.Stats().Written == 20, fmt.Sprintf("%+v", w.Stats()) })
	if _, err := k.Produce(t.Context(), DefaultTopic, 0, [2][]byte{[]byte("1"), []byte("not json")}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a restart reads it all again
		x := mustIndex(t, IndexConfig{Kafka: k})
		r := mustRun(t, x.Run)
		if err := x.Wait(ctxWithin(t, 10*time.Second)); err != nil {
			t.Fatalf("not ready: %v", err)
		}
		if got := events(mustAttempts(t, x, 1, Query{Limit: 3})); !slices.Equal(got, []string{"ev-18", "ev-16", "ev-14"}) {
			t.Errorf("hook 1 after the rebuild: %v", got)
		}
		if s := x.Stats(); s.Attempts != 20 || s.Skipped != 1 {
			t.Errorf("stats %+v, want 20 attempts, 1 skipped", s)
		}
		r.stop(t, 10*time.Second)
	}
	x := mustIndex(t, IndexConfig{Kafka: k})
	mustRun(t, x.Run)
	w.Log(attempt(2, "later", 2, t0.Add(time.Hour), schema.LoggedDelivered))
	wait.For(t, 10*time.Second, func() (bool, string) {
		got := events(mustAttempts(t, x, 2, Query{Limit: 1}))
		return slices.Equal(got, []string{"later"}), fmt.Sprint(got)
	})
}

// A record packs a hook's attempts, one per line: each is its own entry
// (same start time, same offset, told apart by its line), pages walk
// through them one by one, and a line that does not decode is skipped
// alone.
func TestIndexReadsPackedRecords(t *testing.T) {
	x := mustIndex(t, IndexConfig{})
	var lines [][]byte
	for i := range 3 {
		v, err := encode(attempt(1, fmt.Sprint("ev-", i), 1, t0, schema.LoggedDelivered))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, v)
	}
	lines = slices.Insert(lines, 1, []byte(`{"hook_id":`))
	x.apply(0, 7, bytes.Join(lines, []byte("\n")))
	if st := x.Stats(); st.Attempts != 3 || st.Skipped != 1 {
		t.Fatalf("stats %+v: want 3 attempts kept, 1 skipped", st)
	}
	var got []string
	for q := (Query{Limit: 1}); ; {
		p := mustAttempts(t, x, 1, q)
		got = append(got, events(p)...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if want := []string{"ev-2", "ev-1", "ev-0"}; !slices.Equal(got, want) {
		t.Errorf("pages of one: %v, want %v (newest, by line, first)", got, want)
	}
}

// A record read twice (a follow that started again), and an attempt
// written twice (a write that timed out but reached Kafka, retried), are
// kept and observed once; another attempt at the same time is kept.
func TestIndexKeepsAnAttemptReadOrWrittenTwiceOnce(t *testing.T) {
	var seen observed
	x := mustIndex(t, IndexConfig{Observer: &seen})
	a := attempt(1, "ev-0", 1, t0, schema.LoggedFailed)
	v, err := encode(a)
	if err != nil {
		t.Fatal(err)
	}
	x.apply(0, 7, v)
	x.apply(0, 7, v) // read twice
	x.apply(0, 9, v) // written twice
	a.Attempt = 2    // another attempt, started at the same time
	w, err := encode(a)
	if err != nil {
		t.Fatal(err)
	}
	x.apply(0, 8, w)
	if st := x.Stats(); st.Attempts != 2 || seen.n.Load() != 2 {
		t.Errorf("stats %+v, observed %d: want 2 attempts kept and observed", st, seen.n.Load())
	}
}

// observed counts the attempts an Index tells it of.
type observed struct{ n atomic.Int64 }

func (o *observed) Observe(schema.LoggedAttempt) { o.n.Add(1) }
func (o *observed) CaughtUp()                    {}

// keep adds a to x at pos as a line of size bytes (a's endpoint padded to
// make it so), as the index reads it from the topic.
func keep(x *Index, pos position, a schema.LoggedAttempt, size int) {
	line, err := encode(a)
	if err != nil || len(line) > size {
		panic(fmt.Sprintf("attempt %+v encodes to %d bytes (%v), over %d", a, len(line), err, size))
	}
	a.Endpoint += strings.Repeat("x", size-len(line))
	if line, err = encode(a); err != nil || len(line) != size {
		panic(fmt.Sprintf("padded attempt: %d bytes, %v", len(line), err))
	}
	x.add(a.HookID, a.ClientID, pos, line)
}
