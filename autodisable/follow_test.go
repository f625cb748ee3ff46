package autodisable

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

var _ Registry = (*hook.Store)(nil)

// TestTwoInstancesFollowingTheLog: two instances, each with its registry
// and a Tracker following the delivery log (two partitions), read a hook's
// six days of failures: the hook is disabled once in the registry's log,
// both see it auto-disabled, and every notice sent names the same streak
// (the email role mails one email per streak).
func TestTwoInstancesFollowingTheLog(t *testing.T) {
	c := kafkatest.NewCluster(t)
	for _, topic := range []string{hook.DefaultHooksTopic, hook.DefaultRecipientsTopic, hook.DefaultIDsTopic} {
		c.CreateTopic(t, topic, 1, true)
	}
	const topic = "postload.attempts"
	c.CreateTopic(t, topic, 2, false)
	k := mustKafka(t, c)
	created := time.Now().Add(-7 * 24 * time.Hour).UTC()
	var mu sync.Mutex
	storeNow := created
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return storeNow }
	a, b := startStore(t, k, now), startStore(t, k, now)
	h, err := a.CreateHook(context.Background(), client, 3, "https://hooks.example.com/catch")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	storeNow = time.Now()
	mu.Unlock()
	// The failures, on the hook's partition; an unrelated delivery on the other.
	for i := range 25 {
		at := created.Add(time.Hour + time.Duration(i)*6*time.Hour)
		mustProduce(t, k, topic, 0, schema.LoggedAttempt{EventID: "ev" + strconv.Itoa(i), HookID: h.ID, ClientID: client, Attempt: 1, At: at,
			Outcome: schema.LoggedFailed, Error: "dial tcp: connection refused"})
	}
	mustProduce(t, k, topic, 1, schema.LoggedAttempt{EventID: "ev", HookID: h.ID + 1, ClientID: client, Attempt: 1, At: created, Outcome: schema.LoggedDelivered, Status: 200})

	notes := &notices{}
	for _, reg := range []*hook.Store{a, b} {
		tr, err := New(Config{Clock: clock.NewFake(time.Now()), Log: zaptest.NewLogger(t)}, reg, notes)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { tr.Run(ctx) })
		wg.Go(func() {
			if err := tr.Follow(ctx, k, topic, 2); err != nil {
				t.Errorf("Follow: %v", err)
			}
		})
		t.Cleanup(func() { cancel(); wg.Wait() })
	}
	since := created.Add(time.Hour).Truncate(time.Second)
	wait.For(t, 20*time.Second, func() (bool, string) {
		ha, _ := a.Hook(h.ID)
		hb, _ := b.Hook(h.ID)
		ok := !ha.Enabled() && !hb.Enabled() && ha.AutoDisabled != nil && hb.AutoDisabled != nil && len(notes.all()) >= 1
		return ok, fmt.Sprintf("a %+v, b %+v, notices %+v", ha.AutoDisabled, hb.AutoDisabled, notes.all())
	})
	ha, _ := a.Hook(h.ID)
	if !ha.AutoDisabled.FailingSince.Equal(since) || ha.AutoDisabled.FailedAttempts != 25 || ha.AutoDisabled.LastError != "dial tcp: connection refused" {
		t.Errorf("auto_disabled %+v: want failing since %v, 25 failed attempts, the last error", ha.AutoDisabled, since)
	}
	for _, n := range notes.all() {
		if n.Hook.ID != h.ID || !n.AutoDisabled.FailingSince.Equal(since) {
			t.Errorf("notice %+v: want hook %d failing since %v", n, h.ID, since)
		}
	}
}

func mustKafka(tb testing.TB, c *kafkatest.Cluster) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}, Timeout: 10 * time.Second, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

func mustProduce(tb testing.TB, k *consumer.Client, topic string, partition int, a schema.LoggedAttempt) {
	tb.Helper()
	v, err := json.Marshal(a)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := k.Produce(ctx, topic, partition, [2][]byte{[]byte(strconv.FormatInt(a.HookID, 10)), v}); err != nil {
		tb.Fatal(err)
	}
}

// startStore runs a registry on k until the test ends and waits until it
// is ready.
func startStore(tb testing.TB, k *consumer.Client, now func() time.Time) *hook.Store {
	tb.Helper()
	s, err := hook.NewStore(hook.Config{Kafka: k}, zaptest.NewLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	s.SetClock(now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		tb.Fatalf("store not ready: %v", err)
	}
	return s
}
