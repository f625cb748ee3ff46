package attemptlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

func mustWriter(tb testing.TB, cfg WriterConfig) *Writer {
	tb.Helper()
	cfg.Log = zaptest.NewLogger(tb)
	w, err := NewWriter(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// Records queued together are written in few produce requests, each hook's
// to one partition in the order they were logged, a partition's attempts
// of a round packed in one Kafka record.
func TestWriterWritesInBatchesKeyedByHook(t *testing.T) {
	c := mustCluster(t, 3)
	k := &kafkaFunc{Kafka: mustKafka(t, c)}
	w := mustWriter(t, WriterConfig{Kafka: k})
	const hooks, per = 5, 100
	t0 := time.Now()
	for i := range per {
		for h := int64(1); h <= hooks; h++ {
			w.Log(attempt(h, fmt.Sprintf("ev-%03d", i), 1, t0.Add(time.Duration(i)*time.Millisecond), schema.LoggedDelivered))
		}
	}
	mustRun(t, w.Run)
	wait.For(t, 10*time.Second, func() (bool, string) {
		return w.Stats().Written == hooks*per, fmt.Sprintf("%+v", w.Stats())
	})
	if n := k.calls.Load(); n > 3 {
		t.Errorf("%d produce requests for %d records queued at once, want one per partition (3)", n, hooks*per)
	}
	if n := k.records.Load(); n != 3 {
		t.Errorf("%d Kafka records for %d attempts queued at once, want one per partition (3)", n, hooks*per)
	}
	got := readTopic(t, mustKafka(t, c))
	for p, recs := range got {
		next := map[int64]int{}
		for _, a := range recs {
			if partitionOf(a.HookID, 3) != p {
				t.Fatalf("hook %d's record on partition %d", a.HookID, p)
			}
			if want := fmt.Sprintf("ev-%03d", next[a.HookID]); a.EventID != want {
				t.Fatalf("hook %d: %s, want %s (in the order logged)", a.HookID, a.EventID, want)
			}
			next[a.HookID]++
		}
	}
}

// A full queue drops the record at once and counts it; Log never waits.
func TestWriterDropsWhenTheQueueIsFull(t *testing.T) {
	c := mustCluster(t, 1)
	w := mustWriter(t, WriterConfig{Kafka: mustKafka(t, c), QueueSize: 10})
	start := time.Now()
	for i := range 15 {
		w.Log(attempt(1, fmt.Sprint("ev-", i), 1, start, schema.LoggedFailed))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("15 Log calls took %v", d)
	}
	if s := w.Stats(); s.Dropped != 5 {
		t.Fatalf("stats %+v, want 5 dropped", s)
	}
	mustRun(t, w.Run)
	wait.For(t, 10*time.Second, func() (bool, string) { return w.Stats().Written == 10, fmt.Sprintf("%+v", w.Stats()) })
	if n := len(readTopic(t, mustKafka(t, c))[0]); n != 10 {
		t.Errorf("%d records on the topic, want the 10 queued", n)
	}
}

// On shutdown the Writer writes what is queued, including what was logged
// while a write was under way; what comes after is dropped and counted.
func TestWriterFlushesOnShutdown(t *testing.T) {
	c := mustCluster(t, 2)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	k := &kafkaFunc{Kafka: mustKafka(t, c)}
	k.produce = func(ctx context.Context, topic string, partition int, records ...[2][]byte) (int64, error) {
		select {
		case entered <- struct{}{}:
			<-release // the first write hangs until released
		default:
		}
		return k.Kafka.Produce(ctx, topic, partition, records...)
	}
	w := mustWriter(t, WriterConfig{Kafka: k})
	r := mustRun(t, w.Run)
	w.Log(attempt(1, "first", 1, time.Now(), schema.LoggedFailed))
	<-entered
	for i := range 40 {
		w.Log(attempt(int64(i%4+1), fmt.Sprint("ev-", i), 1, time.Now(), schema.LoggedDelivered))
	}
	r.cancel()
	close(release)
	r.stop(t, 10*time.Second)
	if s := w.Stats(); s.Written != 41 || s.Dropped != 0 || s.Failed != 0 {
		t.Fatalf("stats %+v after shutdown, want 41 written", s)
	}
	w.Log(attempt(1, "late", 1, time.Now(), schema.LoggedDelivered))
	if s := w.Stats(); s.Dropped != 1 {
		t.Errorf("a record logged after Run ended: stats %+v, want it dropped", s)
	}
	n := 0
	for _, recs := range readTopic(t, mustKafka(t, c)) {
		n += len(recs)
	}
	if n != 41 {
		t.Errorf("%d records on the topic, want 41", n)
	}
}

// A write Kafka keeps refusing is given up after WriteTimeout, counted,
// and the Writer goes on; shutdown with Kafka hanging is bounded by
// WriteTimeout and FlushTimeout.
func TestWriterGivesUpOnFailedWritesWithinItsTimeouts(t *testing.T) {
	c := mustCluster(t, 1)
	k := &kafkaFunc{Kafka: mustKafka(t, c)}
	k.produce = func(ctx context.Context, _ string, _ int, _ ...[2][]byte) (int64, error) {
		<-ctx.Done()
		return 0, errors.New("broker gone")
	}
	w := mustWriter(t, WriterConfig{Kafka: k, WriteTimeout: 200 * time.Millisecond, FlushTimeout: 200 * time.Millisecond})
	r := mustRun(t, w.Run)
	w.Log(attempt(1, "a", 1, time.Now(), schema.LoggedFailed))
	wait.For(t, 5*time.Second, func() (bool, string) { return w.Stats().Failed == 1, fmt.Sprintf("%+v", w.Stats()) })
	w.Log(attempt(1, "b", 1, time.Now(), schema.LoggedFailed))
	w.Log(attempt(1, "c", 1, time.Now(), schema.LoggedFailed))
	start := time.Now()
	r.stop(t, 5*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v with Kafka hanging, want within WriteTimeout+FlushTimeout (400ms) and a little", d)
	}
	if s := w.Stats(); s.Failed != 3 || s.Written != 0 {
		t.Errorf("stats %+v, want 3 failed", s)
	}
}

// Attempts are packed up to maxPack bytes a record: many large ones take
// several records, none larger, every attempt in order.
func TestWriterPacksAttemptsUpToMaxPack(t *testing.T) {
	c := mustCluster(t, 1)
	k := &kafkaFunc{Kafka: mustKafka(t, c)}
	w := mustWriter(t, WriterConfig{Kafka: k})
	const n = 200
	t0 := time.Now()
	for i := range n {
		a := attempt(1, fmt.Sprintf("ev-%03d", i), 1, t0, schema.LoggedFailed)
		a.Response = strings.Repeat("é", schema.MaxLoggedResponse/2) // 1 KiB, and JSON escapes none of it
		w.Log(a)
	}
	mustRun(t, w.Run)
	wait.For(t, 10*time.Second, func() (bool, string) { return w.Stats().Written == n, fmt.Sprintf("%+v", w.Stats()) })
	if l := k.largest.Load(); l > maxPack {
		t.Errorf("a record of %d bytes, want at most %d", l, maxPack)
	}
	if r := k.records.Load(); r < n*1024/maxPack || r >= n/2 {
		t.Errorf("%d Kafka records for %d attempts of 1 KiB, want about %d", r, n, n*1024/maxPack+1)
	}
	got := readTopic(t, mustKafka(t, c))[0]
	if len(got) != n {
		t.Fatalf("%d attempts on the topic, want %d", len(got), n)
	}
	for i, a := range got {
		if want := fmt.Sprintf("ev-%03d", i); a.EventID != want || a.Response != strings.Repeat("é", schema.MaxLoggedResponse/2) {
			t.Fatalf("attempt %d: %s (response of %d bytes), want %s, whole", i, a.EventID, len(a.Response), want)
		}
	}
}
