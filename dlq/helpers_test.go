package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/schema"
)

// The production implementations fit the interfaces.
var (
	_ Publisher = (*consumer.Writer)(nil)
	_ Kafka     = (*consumer.Client)(nil)
	_ Kafka     = downKafka{}
	_ Hooks     = (*fakeHooks)(nil)
)

// Accounts of the tests.
const (
	clientA = 116078
	clientB = 200002
	clientC = 300003
)

// t0 is the tests' clock origin.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// env is a kfake cluster with the DLQ (3 partitions) and the first retry
// tier, a real writer, and the package's Config for it. The replayed topic
// is left for Replay to create.
type env struct {
	cluster *kafkatest.Cluster
	cfg     Config
	pub     *consumer.Writer
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	c := kafkatest.NewCluster(tb)
	c.CreateTopic(tb, "postload.dlq", 3, false)
	c.CreateTopic(tb, "postload.retry.1", 1, false)
	log := zaptest.NewLogger(tb)
	w := consumer.NewWriter([]string{c.Addr}, log)
	tb.Cleanup(func() { w.Close() })
	return &env{cluster: c, pub: w, cfg: Config{Kafka: mustKafka(tb, c.Addr, 5*time.Second), Timeout: 5 * time.Second, Log: log}}
}

// mustKafka is the Kafka client of the production wiring, on addr.
func mustKafka(tb testing.TB, addr string, timeout time.Duration) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{addr}, Timeout: timeout, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

// downKafka is a Kafka that cannot be reached: every call fails.
type downKafka struct{}

var errDown = errors.New("kafka down")

func (downKafka) Spans(context.Context, string, func(int, int64, int64)) error { return errDown }
func (downKafka) Fetch(_ context.Context, _ string, _ int, from, _ int64, _ func(int64, time.Time, []byte, []byte)) (int64, error) {
	return from, errDown
}
func (downKafka) Follow(context.Context, string, int, int64, func(), func(int64, time.Time, []byte, []byte) error) error {
	return errDown
}
func (downKafka) EnsureCompacted(context.Context, string) (bool, error) { return false, errDown }
func (downKafka) Produce(context.Context, string, int, ...[2][]byte) (int64, error) {
	return 0, errDown
}

// dl describes a dead letter to write.
type dl struct {
	event  string // event id
	client int64
	hook   int64
	reason string
	deadAt time.Time
	// skipped makes the last attempts ones the open breaker skipped;
	// legacy writes them as before Attempt.Skipped: the error text only.
	skipped int
	legacy  bool
}

// value returns the dead letter as the dispatcher writes it: a sample load
// event, six failed attempts (the last d.skipped of them skipped).
func (d dl) value() []byte {
	reason := d.reason
	if reason == "" {
		reason = schema.ReasonRetriesExhausted
	}
	first := d.deadAt.Add(-time.Hour - 42*time.Minute)
	attempts := make([]schema.Attempt, 6)
	for i := range attempts {
		attempts[i] = schema.Attempt{Number: i + 1, StartedAt: first.Add(time.Duration(i) * 20 * time.Minute),
			DurationMS: 120, Status: 503, Error: "HTTP 503 Service Unavailable"}
		if i >= len(attempts)-d.skipped {
			attempts[i].DurationMS, attempts[i].Status = 0, 0
			attempts[i].Error, attempts[i].Skipped = "circuit breaker open: no request sent", !d.legacy
		}
	}
	v := schema.DeadLetter{
		Event:          string(schema.SampleLoadEvent(d.event, d.client, 12345, false, first)),
		EventID:        d.event,
		Hook:           schema.HookRef{ID: d.hook, ClientID: d.client, DestinationID: 12345, URL: fmt.Sprintf("https://hooks.example.com/catch/%d", d.hook)},
		Attempts:       attempts,
		FirstAttemptAt: attempts[0].StartedAt,
		LastAttemptAt:  attempts[5].StartedAt,
		Reason:         reason,
		DeadAt:         d.deadAt,
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	if _, err := schema.DecodeDeadLetter(b); err != nil {
		panic(err)
	}
	return b
}

// mustWrite writes dead letters to the DLQ, keyed by client as the
// dispatcher does.
func (e *env) mustWrite(tb testing.TB, dls ...dl) {
	tb.Helper()
	for _, d := range dls {
		e.mustPublish(tb, e.cfg.withDefaults().DLQTopic, strconv.FormatInt(d.client, 10), d.value())
	}
}

func (e *env) mustPublish(tb testing.TB, topic, key string, value []byte) {
	tb.Helper()
	if err := e.pub.Publish(context.Background(), topic, []byte(key), value); err != nil {
		tb.Fatalf("publish to %s: %v", topic, err)
	}
}

// mustRead returns every record of topic.
func (e *env) mustRead(tb testing.TB, topic string) []record {
	tb.Helper()
	var out []record
	if err := readAll(context.Background(), e.cfg.withDefaults(), topic, func(r record) { out = append(out, r) }); err != nil {
		tb.Fatalf("read %s: %v", topic, err)
	}
	return out
}

// mustScan returns the entries f selects.
func (e *env) mustScan(tb testing.TB, f Filter) []Entry {
	tb.Helper()
	var out []Entry
	if err := Scan(context.Background(), e.cfg, f, func(en Entry) error {
		out = append(out, en)
		return nil
	}); err != nil {
		tb.Fatalf("Scan: %v", err)
	}
	return out
}

// fakeHooks is a registry in a map.
type fakeHooks struct {
	mu    sync.Mutex
	hooks map[int64]schema.Hook
}

func newHooks(hs ...schema.Hook) *fakeHooks {
	f := &fakeHooks{hooks: map[int64]schema.Hook{}}
	for _, h := range hs {
		f.put(h)
	}
	return f
}

func (f *fakeHooks) Hook(id int64) (schema.Hook, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hooks[id]
	return h, ok
}

func (f *fakeHooks) put(h schema.Hook) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks[h.ID] = h
}

// hookOf returns an enabled hook; disabled sets disabled_at.
func hookOf(id, client int64, disabled bool) schema.Hook {
	h := schema.Hook{ID: id, ClientID: client, Type: schema.HookTypePostLoad, Version: 1, DestinationID: 12345,
		Config: schema.HookConfig{URL: fmt.Sprintf("https://new.example.com/%d", id)}, CreatedAt: t0, ModifiedAt: t0}
	if disabled {
		at := t0
		h.DisabledAt = &at
	}
	return h
}

// ids returns the event ids of entries, in order.
func eventIDs(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.DeadLetter.EventID
	}
	return out
}
