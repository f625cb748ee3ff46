package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

func TestClientConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
		want string // part of the error; "" for none
	}{
		{"minimal", ClientConfig{Brokers: []string{"k:9092"}}, ""},
		{"no brokers", ClientConfig{}, "no brokers"},
		{"empty broker", ClientConfig{Brokers: []string{""}}, "broker 0 is empty"},
		{"negative timeout", ClientConfig{Brokers: []string{"k:9092"}, Timeout: -1}, "Timeout is -1ns"},
		{"max wait > 1s", ClientConfig{Brokers: []string{"k:9092"}, MaxWait: 2 * time.Second}, "MaxWait is 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

// mustClient is a Client on c, closed when the test ends.
func mustClient(tb testing.TB, c *kafkatest.Cluster) *Client {
	tb.Helper()
	k, err := NewClient(ClientConfig{Brokers: []string{c.Addr}, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

// mustProduce appends one record per value to the partition and returns
// the first's offset.
func mustProduce(tb testing.TB, k *Client, topic string, partition int, values ...string) int64 {
	tb.Helper()
	recs := make([][2][]byte, len(values))
	for i, v := range values {
		recs[i] = [2][]byte{[]byte("k" + v), []byte(v)}
	}
	off, err := k.Produce(context.Background(), topic, partition, recs...)
	if err != nil {
		tb.Fatal(err)
	}
	return off
}

// Produce returns the first record's offset; Spans sees the partitions'
// ends; ReadRange reads what lies between two offsets, or the whole
// partition as it is now.
func TestProduceSpansAndReadRange(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 2, false)
	k := mustClient(t, c)
	ctx := context.Background()
	if off := mustProduce(t, k, "t", 1, "a", "b", "c"); off != 0 {
		t.Fatalf("first batch at %d, want 0", off)
	}
	if off := mustProduce(t, k, "t", 1, "d"); off != 3 {
		t.Fatalf("second batch at %d, want 3", off)
	}
	var spans []string
	if err := k.Spans(ctx, "t", func(p int, first, end int64) { spans = append(spans, fmt.Sprintf("%d:%d-%d", p, first, end)) }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"0:0-0", "1:0-4"}; !slices.Equal(spans, want) {
		t.Errorf("spans %v, want %v", spans, want)
	}
	for _, tc := range []struct {
		from, end int64
		want      []string
		next      int64
	}{
		{-1, -1, []string{"a", "b", "c", "d"}, 4},
		{1, 3, []string{"b", "c"}, 3},
		{3, -1, []string{"d"}, 4},
	} {
		var got []string
		next, err := k.ReadRange(ctx, "t", 1, tc.from, tc.end, func(off int64, _ time.Time, key, value []byte) {
			if string(key) != "k"+string(value) {
				t.Errorf("record %d: key %q, value %q", off, key, value)
			}
			got = append(got, string(value))
		})
		if err != nil || next != tc.next || !slices.Equal(got, tc.want) {
			t.Errorf("ReadRange(%d, %d) = %v, %d, %v; want %v, %d", tc.from, tc.end, got, next, err, tc.want, tc.next)
		}
	}
}

// A topic that does not exist is a *MissingTopicError, which callers that
// do not import this package recognise by its Missing method.
func TestSpansOfAMissingTopic(t *testing.T) {
	k := mustClient(t, kafkatest.NewCluster(t))
	err := k.Spans(context.Background(), "no.such.topic", func(int, int64, int64) {})
	var missing interface{ Missing() bool }
	if !errors.As(err, &missing) || !missing.Missing() || !strings.Contains(err.Error(), "no.such.topic") {
		t.Fatalf("Spans of a missing topic: %v", err)
	}
}

// EnsureCompacted creates the topic once, and a record produced through
// the same Client right after lands in it.
func TestEnsureCompactedCreatesOnce(t *testing.T) {
	k := mustClient(t, kafkatest.NewCluster(t))
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		created, err := k.EnsureCompacted(ctx, "marks")
		if err != nil || created != want {
			t.Fatalf("call %d: created %v, %v; want %v", i+1, created, err, want)
		}
	}
	mustProduce(t, k, "marks", 0, "x")
	var got []string
	if _, err := k.ReadRange(ctx, "marks", 0, -1, -1, func(_ int64, _ time.Time, _, v []byte) { got = append(got, string(v)) }); err != nil || !slices.Equal(got, []string{"x"}) {
		t.Fatalf("read back %v, %v", got, err)
	}
}

// follower runs Follow in the background and collects what it passes on.
type follower struct {
	mu       sync.Mutex
	values   []string
	caughtUp int // values passed on when caughtUp was called; -1 before
	done     chan error
}

func startFollow(t *testing.T, ctx context.Context, k *Client, topic string, from int64) *follower {
	f := &follower{caughtUp: -1, done: make(chan error, 1)}
	go func() {
		f.done <- k.Follow(ctx, topic, 0, from, func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.caughtUp = len(f.values)
		}, func(_ int64, _ time.Time, _, value []byte) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.values = append(f.values, string(value))
			return nil
		})
	}()
	return f
}

func (f *follower) state() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.values), f.caughtUp
}

// Follow passes on what the partition had, says it caught up after the
// last of it, passes on what is appended later, and returns nil when its
// context ends.
func TestFollowCatchesUpThenFollows(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, true)
	k := mustClient(t, c)
	mustProduce(t, k, "t", 0, "a", "b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := startFollow(t, ctx, k, "t", -1)
	wait.For(t, 10*time.Second, func() (bool, string) {
		got, at := f.state()
		return at == 3 && slices.Equal(got, []string{"a", "b", "c"}), fmt.Sprintf("%v, caught up at %d", got, at)
	})
	mustProduce(t, k, "t", 0, "d")
	wait.For(t, 10*time.Second, func() (bool, string) {
		got, _ := f.state()
		return slices.Equal(got, []string{"a", "b", "c", "d"}), fmt.Sprint(got)
	})
	cancel()
	if err := <-f.done; err != nil {
		t.Fatalf("Follow after its context ended: %v", err)
	}
}

// An empty partition is caught up with at once; a Follow from an offset
// starts there.
func TestFollowOfAnEmptyPartitionIsCaughtUpAtOnce(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, true)
	k := mustClient(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := startFollow(t, ctx, k, "t", -1)
	wait.For(t, 10*time.Second, func() (bool, string) {
		_, at := f.state()
		return at == 0, fmt.Sprintf("caught up at %d", at)
	})
	mustProduce(t, k, "t", 0, "a", "b")
	g := startFollow(t, ctx, k, "t", 1)
	wait.For(t, 10*time.Second, func() (bool, string) {
		got, _ := g.state()
		return slices.Equal(got, []string{"b"}), fmt.Sprint(got)
	})
}

// OwnPartitions hands own every partition with where to start (negative:
// nothing committed); what own committed is where the next generation
// starts.
func TestOwnPartitionsResumesFromTheCommit(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 2, false)
	k := mustClient(t, c)
	run := func(commit int64) map[int]int64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan map[int]int64, 1)
		done := make(chan error, 1)
		go func() {
			done <- k.OwnPartitions(ctx, "g", []string{"in"}, 6*time.Second, 10*time.Second,
				func(ctx context.Context, assigned map[string]map[int]int64, commitFn func(string, int, int64) error) {
					for p := range assigned["in"] {
						if err := commitFn("in", p, commit); err != nil {
							t.Errorf("commit: %v", err)
						}
					}
					got <- assigned["in"]
					<-ctx.Done()
				})
		}()
		var a map[int]int64
		select {
		case a = <-got:
		case <-time.After(30 * time.Second):
			t.Fatal("no partitions assigned within 30s")
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("OwnPartitions: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("OwnPartitions did not return")
		}
		return a
	}
	first := run(5)
	if len(first) != 2 || first[0] >= 0 || first[1] >= 0 {
		t.Fatalf("first generation: %v, want both partitions from the start (negative)", first)
	}
	if second := run(7); len(second) != 2 || second[0] != 5 || second[1] != 5 {
		t.Fatalf("second generation: %v, want both from the commit, 5", second)
	}
}

// The Scanner reads a partition from the first record appended since a
// time up to its end.
func TestScannerScansFromATime(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, false)
	k := mustClient(t, c)
	mustProduce(t, k, "t", 0, "a", "b")
	var got []string
	next, err := NewScanner(k).Scan(context.Background(), "t", 0, time.Time{}, -1, func(_ int64, _ time.Time, v []byte) {
		got = append(got, string(v))
	})
	if err != nil || next != 2 || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Scan = %v, %d, %v", got, next, err)
	}
	got = nil
	next, err = NewScanner(k).Scan(context.Background(), "t", 0, time.Now().Add(time.Hour), -1, func(_ int64, _ time.Time, v []byte) {
		got = append(got, string(v))
	})
	if err != nil || next != 2 || len(got) != 0 {
		t.Fatalf("Scan of the future = %v, %d, %v; want nothing, 2", got, next, err)
	}
}
