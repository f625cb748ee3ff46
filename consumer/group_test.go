package consumer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mustPublish(tb testing.TB, w *Writer, topic string, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		if err := w.Publish(context.Background(), topic, []byte(fmt.Sprint(i)), []byte(fmt.Sprint(i))); err != nil {
			tb.Fatal(err)
		}
	}
}

type seen struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *seen) add(m Message) {
	s.mu.Lock()
	s.n[string(m.Value)]++
	s.mu.Unlock()
}

// snapshot copies the counts by value.
func (s *seen) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.n))
	for k, v := range s.n {
		out[k] = v
	}
	return out
}

func (s *seen) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.n)
}

// startGroup runs a group of cfg and h until stop is called (runGroup).
func startGroup(tb testing.TB, cfg GroupConfig, h Handler) (stop func()) {
	tb.Helper()
	_, stop = runGroup(tb, cfg, h)
	return stop
}

func TestGroupHandlesEveryMessageConcurrently(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 3, false)
	w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
	defer w.Close()
	mustPublish(t, w, "in", 300)

	s := &seen{n: map[string]int{}}
	h := HandlerFunc(func(ctx context.Context, m Message) error {
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // out-of-order finishing
		s.add(m)
		return nil
	})
	stop := startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, MaxInFlightPerPartition: 8, MaxInFlight: 16, Log: zaptest.NewLogger(t)}, h)
	wait.For(t, 20*time.Second, func() (bool, string) {
		return s.distinct() == 300, fmt.Sprintf("%d of 300 handled", s.distinct())
	})
	stop()

	// A second run of the same group finds everything committed.
	s2 := &seen{n: map[string]int{}}
	mustPublish(t, w, "in", 1) // value "0" again, a new message
	stop = startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, Log: zaptest.NewLogger(t)}, HandlerFunc(func(ctx context.Context, m Message) error { s2.add(m); return nil }))
	wait.For(t, 20*time.Second, func() (bool, string) { return s2.distinct() == 1, fmt.Sprintf("%d handled", s2.distinct()) })
	stop()
	if s2.n["0"] != 1 || len(s2.n) != 1 {
		t.Fatalf("second run handled %v, want only the new message", s2.n)
	}
}

// A message whose handler has not finished when the process stops is not
// committed, and so is handled again by the next run: at-least-once. The
// messages after it that were finished, and the items of it that were,
// travel with the commit and are not handled again.
func TestGroupRedeliversOnlyUnfinishedAfterStop(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 1, false)
	w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
	defer w.Close()
	mustPublish(t, w, "in", 10)

	s := &seen{n: map[string]int{}}
	h := HandlerFunc(func(ctx context.Context, m Message) error {
		if string(m.Value) == "3" { // never finishes before the drain deadline
			m.Finish(1)
			m.Finish(2)
			<-ctx.Done()
			return ctx.Err()
		}
		s.add(m)
		return nil
	})
	stop := startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, DrainTimeout: 100 * time.Millisecond, Log: zaptest.NewLogger(t)}, h)
	wait.For(t, 20*time.Second, func() (bool, string) { return s.distinct() == 9, fmt.Sprintf("%d of 9 handled", s.distinct()) })
	stop()

	s2 := &seen{n: map[string]int{}}
	var items []bool
	stop = startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, Log: zaptest.NewLogger(t)}, HandlerFunc(func(ctx context.Context, m Message) error {
		if string(m.Value) == "3" {
			items = []bool{m.Finished(1), m.Finished(2), m.Finished(3)}
		}
		s2.add(m)
		return nil
	}))
	if err := w.Publish(context.Background(), "in", nil, []byte("end")); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 20*time.Second, func() (bool, string) { n := s2.snapshot(); return n["end"] == 1, fmt.Sprintf("handled %v", n) })
	stop()
	if s2.n["3"] != 1 || len(s2.n) != 2 {
		t.Fatalf("second run handled %v, want only 3 (unfinished) and the new message", s2.n)
	}
	if len(items) != 3 || !items[0] || !items[1] || items[2] {
		t.Errorf("message 3's items 1, 2, 3 finished before: %v, want true true false", items)
	}
}

// A failing handler stops its partition; the message is fetched again.
func TestGroupRefetchesAfterHandlerError(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 1, false)
	w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
	defer w.Close()
	mustPublish(t, w, "in", 5)

	s := &seen{n: map[string]int{}}
	var once sync.Once
	h := HandlerFunc(func(ctx context.Context, m Message) error {
		if string(m.Value) == "2" {
			var err error
			once.Do(func() { err = errors.New("broker unavailable") })
			if err != nil {
				return err
			}
		}
		s.add(m)
		return nil
	})
	stop := startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, Log: zaptest.NewLogger(t)}, h)
	wait.For(t, 30*time.Second, func() (bool, string) { return s.distinct() == 5, fmt.Sprintf("handled %v", s.snapshot()) })
	stop()
}

func TestGroupConfigValidate(t *testing.T) {
	_, err := NewGroup(GroupConfig{}, HandlerFunc(func(context.Context, Message) error { return nil }))
	if err == nil {
		t.Fatal("empty config accepted")
	}
	for _, want := range []string{"brokers", "group id", "topics"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
