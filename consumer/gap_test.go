package consumer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

// offsetsSeen records the offsets a handler was given.
type offsetsSeen struct {
	mu  sync.Mutex
	got map[int64]int
}

func (s *offsetsSeen) add(m Message) {
	s.mu.Lock()
	s.got[m.Offset]++
	s.mu.Unlock()
}

func (s *offsetsSeen) has(o int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[o] > 0
}

func (s *offsetsSeen) offsets() map[int64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]int, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// observed is a logger that writes to the test log and keeps the lines of
// warn level and above.
func observed(tb testing.TB) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zap.WarnLevel)
	return zap.New(zapcore.NewTee(zaptest.NewLogger(tb).Core(), core)), logs
}

// lostLines are the error lines that report records deleted unread.
func lostLines(logs *observer.ObservedLogs) []observer.LoggedEntry {
	return logs.FilterLevelExact(zap.ErrorLevel).FilterMessageSnippet("deleted by the broker").All()
}

func runGroup(tb testing.TB, cfg GroupConfig, h Handler) (*Group, func()) {
	tb.Helper()
	g, err := NewGroup(cfg, h)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	return g, func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("run: %v", err)
		}
	}
}

// A group whose committed offset lies below the partition's log start
// (the broker deleted records it had not read) logs the lost range at error
// level and counts the records, then goes on from the log start.
func TestGroupReportsRecordsDeletedBeforeItStarts(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 1, false)
	w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
	defer w.Close()
	mustPublish(t, w, "in", 10)

	s := &offsetsSeen{got: map[int64]int{}}
	cfg := GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, Log: zaptest.NewLogger(t)}
	_, stop := runGroup(t, cfg, HandlerFunc(func(_ context.Context, m Message) error { s.add(m); return nil }))
	wait.For(t, 20*time.Second, func() (bool, string) { return s.has(9), fmt.Sprintf("handled %v", s.offsets()) })
	stop() // commits 10

	mustPublish(t, w, "in", 10) // offsets 10..19
	if err := c.DeleteRecords("in", 0, 15); err != nil {
		t.Fatal(err)
	}
	log, logs := observed(t)
	cfg.Log = log
	s2 := &offsetsSeen{got: map[int64]int{}}
	g, stop := runGroup(t, cfg, HandlerFunc(func(_ context.Context, m Message) error { s2.add(m); return nil }))
	wait.For(t, 20*time.Second, func() (bool, string) { return s2.has(19), fmt.Sprintf("handled %v", s2.offsets()) })
	stop()

	if got := s2.offsets(); len(got) != 5 {
		t.Errorf("handled offsets %v, want 15..19", got)
	}
	if got := g.Stats().SkippedByRetention(); got["in"] != 5 || len(got) != 1 {
		t.Errorf("SkippedByRetention = %v, want in: 5", got)
	}
	lines := lostLines(logs)
	if len(lines) != 1 {
		t.Fatalf("%d error lines about deleted records, want 1: %v", len(lines), logs.All())
	}
	f := lines[0].ContextMap()
	if f["topic"] != "in" || f["partition"] != int64(0) || f["count"] != int64(5) || f["from"] != int64(10) || f["to"] != int64(14) || f["group"] != "g" {
		t.Errorf("error line fields %v, want topic in, partition 0, group g, count 5, from 10, to 14", f)
	}

	// A group that never committed starts at the log start: said, not
	// counted (it may be new to the topic).
	log, logs = observed(t)
	s3 := &offsetsSeen{got: map[int64]int{}}
	g, stop = runGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "new", Topics: []string{"in"}, Log: log},
		HandlerFunc(func(_ context.Context, m Message) error { s3.add(m); return nil }))
	wait.For(t, 20*time.Second, func() (bool, string) { return s3.has(19), fmt.Sprintf("handled %v", s3.offsets()) })
	stop()
	if got := g.Stats().SkippedByRetention(); len(got) != 0 {
		t.Errorf("a new group counted %v as lost", got)
	}
	if n := len(lostLines(logs)); n != 0 {
		t.Errorf("a new group logged %d error lines about deleted records", n)
	}
	if n := logs.FilterMessageSnippet("no committed offset").Len(); n != 1 {
		t.Errorf("a new group starting at log start 15 said so %d times, want 1", n)
	}
}

// Records deleted while a partition is being read, ahead of the reader,
// are skipped by the reader; the skip is logged with its range and counted.
func TestGroupReportsRecordsDeletedWhileReading(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 1, false)
	w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
	defer w.Close()
	const n = 200
	mustPublish(t, w, "in", n) // one batch each

	s := &offsetsSeen{got: map[int64]int{}}
	holding, release := make(chan struct{}), make(chan struct{})
	log, logs := observed(t)
	// One message in flight and one batch per fetch: while the handler
	// holds offset 0, the reader has fetched at most its queue (64) ahead.
	cfg := GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, MaxInFlightPerPartition: 1, MaxFetchBytes: 1, Log: log}
	g, stop := runGroup(t, cfg, HandlerFunc(func(ctx context.Context, m Message) error {
		if m.Offset == 0 {
			close(holding)
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		s.add(m)
		return nil
	}))
	defer stop()
	select {
	case <-holding:
	case <-time.After(20 * time.Second):
		t.Fatal("offset 0 was not handed over within 20s")
	}
	if err := c.DeleteRecords("in", 0, 150); err != nil {
		t.Fatal(err)
	}
	close(release)
	wait.For(t, 20*time.Second, func() (bool, string) { return s.has(n - 1), fmt.Sprintf("%d handled", len(s.offsets())) })

	got := s.offsets()
	last := int64(0) // the last offset handled before the jump
	for o := range got {
		if o < 150 {
			last = max(last, o)
		}
	}
	if last >= 149 || last < 0 {
		t.Fatalf("handled up to %d before the deleted range: the reader had read ahead, the test proves nothing", last)
	}
	for o := last + 1; o < 150; o++ {
		if got[o] > 0 {
			t.Fatalf("offset %d was handled and counted lost", o)
		}
	}
	lost := 150 - (last + 1)
	if want := int64(n) - int64(len(got)); lost != want {
		t.Errorf("%d handled of %d: %d missing, but the range after %d holds %d", len(got), n, want, last, lost)
	}
	if got := g.Stats().SkippedByRetention()["in"]; got != lost {
		t.Errorf("SkippedByRetention[in] = %d, want %d", got, lost)
	}
	lines := lostLines(logs)
	if len(lines) != 1 {
		t.Fatalf("%d error lines about deleted records, want 1: %v", len(lines), logs.All())
	}
	f := lines[0].ContextMap()
	if f["count"] != lost || f["from"] != last+1 || f["to"] != int64(149) || f["topic"] != "in" {
		t.Errorf("error line fields %v, want count %d from %d to 149", f, lost, last+1)
	}
}
