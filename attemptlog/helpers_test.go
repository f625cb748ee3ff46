package attemptlog

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/schema"
)

var _ Kafka = (*consumer.Client)(nil)

// mustCluster starts kfake with the log's topic of partitions partitions.
func mustCluster(tb testing.TB, partitions int) *kafkatest.Cluster {
	tb.Helper()
	c := kafkatest.NewCluster(tb)
	c.CreateTopic(tb, DefaultTopic, partitions, false)
	return c
}

// mustKafka is the Kafka client of the production wiring, on c.
func mustKafka(tb testing.TB, c *kafkatest.Cluster) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}, Timeout: 5 * time.Second, MaxWait: 50 * time.Millisecond, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

// attempt is attempt n of event ev to hook, started at at.
func attempt(hook int64, ev string, n int, at time.Time, outcome string) schema.LoggedAttempt {
	a := schema.LoggedAttempt{EventID: ev, HookID: hook, ClientID: 100 + hook, Attempt: n, At: at.UTC(), DurationMS: 12,
		Outcome: outcome, Endpoint: "https://example.com"}
	switch outcome {
	case schema.LoggedDelivered:
		a.Status, a.Response = 200, "ok"
	case schema.LoggedFailed:
		a.Status, a.Response, a.Error = 500, "down", "HTTP 500 Internal Server Error"
	case schema.LoggedSkipped:
		a.Error = "breaker open"
	}
	return a
}

// readTopic decodes every attempt of the topic (each line of each
// record), by partition, in order.
func readTopic(tb testing.TB, k *consumer.Client) map[int][]schema.LoggedAttempt {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[int][]schema.LoggedAttempt{}
	var parts []int
	if err := k.Spans(ctx, DefaultTopic, func(p int, _, _ int64) { parts = append(parts, p) }); err != nil {
		tb.Fatal(err)
	}
	for _, p := range parts {
		if _, err := k.ReadRange(ctx, DefaultTopic, p, -1, -1, func(_ int64, _ time.Time, key, value []byte) {
			for line := range bytes.SplitSeq(value, []byte("\n")) {
				a, err := decode(line)
				if err != nil {
					tb.Fatalf("partition %d: %v", p, err)
				}
				if key != nil {
					tb.Errorf("key %q, want none", key)
				}
				out[p] = append(out[p], a)
			}
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// kafkaFunc is a Kafka whose Produce is produce, the rest the real client's.
type kafkaFunc struct {
	Kafka
	produce func(ctx context.Context, topic string, partition int, records ...[2][]byte) (int64, error)
	calls   atomic.Int64
	records atomic.Int64 // Kafka records produced
	largest atomic.Int64 // the largest value produced
}

var _ Kafka = (*kafkaFunc)(nil)

func (k *kafkaFunc) Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (int64, error) {
	k.calls.Add(1)
	k.records.Add(int64(len(records)))
	for _, r := range records {
		for n := int64(len(r[1])); ; {
			l := k.largest.Load()
			if n <= l || k.largest.CompareAndSwap(l, n) {
				break
			}
		}
	}
	if k.produce != nil {
		return k.produce(ctx, topic, partition, records...)
	}
	return k.Kafka.Produce(ctx, topic, partition, records...)
}

// runner runs r until the test ends or stop is called; stop returns once
// Run has, failing the test if that takes longer than within.
type runner struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func mustRun(tb testing.TB, run func(context.Context) error) *runner {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- run(ctx) }()
	tb.Cleanup(func() { r.stop(tb, time.Minute) })
	return r
}

func (r *runner) stop(tb testing.TB, within time.Duration) {
	tb.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				tb.Errorf("Run: %v", err)
			}
		case <-time.After(within):
			tb.Fatalf("Run did not return within %v of its ctx ending", within)
		}
	})
}

// ctxWithin is a context that ends within d or when the test does.
func ctxWithin(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}
