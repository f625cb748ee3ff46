package websession

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var _ Kafka = (*consumer.Client)(nil)

// mustStart starts a session of st.
func mustStart[T any](t *testing.T, st *Store[T], data T) Session[T] {
	t.Helper()
	s, err := st.Start(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreBoundsAgeAndNumber: a session lives ttl; past max, the expired
// go first, then the one that expires first.
func TestStoreBoundsAgeAndNumber(t *testing.T) {
	c := clock.NewFake(time.Unix(1_000_000, 0))
	st := New[int](2, time.Hour, c.Now)
	ctx := context.Background()
	a := mustStart(t, st, 1)
	c.Advance(time.Minute)
	b := mustStart(t, st, 2)
	if a.ID == b.ID || a.CSRF == a.ID || a.ID == "" || a.CSRF == b.CSRF {
		t.Fatalf("ids %q %q, csrf %q %q: want fresh random values", a.ID, b.ID, a.CSRF, b.CSRF)
	}
	if got, ok := st.Get(ctx, b.ID); !ok || got.Data != 2 || got.CSRF != b.CSRF || got.ID != b.ID {
		t.Errorf("Get(b) = %+v, %v; want b", got, ok)
	}
	c.Advance(time.Minute)
	s3 := mustStart(t, st, 3) // full: a expires first
	if _, ok := st.Get(ctx, a.ID); ok || st.Len() != 2 {
		t.Errorf("after a third sign-in: the first kept %v, %d kept; want it ended, 2 kept", ok, st.Len())
	}
	c.Advance(59 * time.Minute) // b's hour is up, s3's is not
	if _, ok := st.Get(ctx, s3.ID); !ok {
		t.Error("the last session ended before its hour")
	}
	if _, ok := st.Get(ctx, b.ID); ok {
		t.Error("a session lived past its hour")
	}
	if err := st.End(ctx, s3.ID); err != nil || st.Len() != 0 {
		t.Errorf("End: %v, %d kept; want 0", err, st.Len())
	}
	c.Advance(2 * time.Hour)
	mustStart(t, st, 4)
	mustStart(t, st, 5)
	c.Advance(2 * time.Hour)
	d := mustStart(t, st, 6) // the others expired: they go, whatever max
	if st.Len() != 1 {
		t.Errorf("%d sessions after the others expired, want 1", st.Len())
	}
	if _, ok := st.Get(ctx, d.ID); !ok {
		t.Error("the new session is not found")
	}
}

func TestEqual(t *testing.T) {
	for _, tt := range []struct {
		got, want string
		eq        bool
	}{{"s3cret", "s3cret", true}, {"s3cre", "s3cret", false}, {"", "", false}, {"x", "", false}} {
		if Equal(tt.got, tt.want) != tt.eq {
			t.Errorf("Equal(%q, %q) = %v", tt.got, tt.want, !tt.eq)
		}
	}
}

// kafkaStore is a Store of kind on the sessions' topic of the cluster at
// addr, running until the test ends.
func kafkaStore(t *testing.T, addr, kind string, max int, c *clock.Fake) *Store[string] {
	t.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{addr}, Timeout: 5 * time.Second, MaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore[string](Config{Kind: kind, Kafka: k, Max: max, TTL: time.Hour, Now: c.Now, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; k.Close() })
	return st
}

// TestSessionsAreSharedByInstancesOnTheTopic: two instances (stores on one
// topic): a session started on one is known to the other at once (its
// first lookup reads the topic up to its end), including its data and
// CSRF token; ending it on either ends it on both; a restart keeps it;
// another kind's sessions are not seen; the topic holds no session id.
func TestSessionsAreSharedByInstancesOnTheTopic(t *testing.T) {
	cl := kafkatest.NewCluster(t)
	cl.CreateTopic(t, DefaultTopic, 1, true)
	c := clock.NewFake(time.Now())
	a := kafkaStore(t, cl.Addr, "console", 10, c)
	b := kafkaStore(t, cl.Addr, "console", 10, c)
	op := kafkaStore(t, cl.Addr, "operator", 10, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	s, err := a.Start(ctx, "account 7")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := b.Get(ctx, s.ID)
	if !ok || got.Data != "account 7" || got.CSRF != s.CSRF || !got.Expires.Equal(s.Expires) {
		t.Fatalf("the other instance: %+v, %v; want %+v", got, ok, s)
	}
	if _, ok := op.Get(ctx, s.ID); ok {
		t.Error("the operator's store knows a console session")
	}
	if _, ok := b.Get(ctx, "not-a-session"); ok {
		t.Error("an unknown id has a session")
	}

	// A restart: a new store reads the session back from the topic.
	restarted := kafkaStore(t, cl.Addr, "console", 10, c)
	if _, ok := restarted.Get(ctx, s.ID); !ok {
		t.Error("a restarted instance does not know the session")
	}

	// Ending on b ends it on a, once a has read the tombstone (a's own
	// lookup finds it until then: wait with a deadline).
	if err := b.End(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get(ctx, s.ID); ok {
		t.Error("the session lives on where it was ended")
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		_, ok := a.Get(ctx, s.ID)
		return !ok, "the session still lives on the other instance"
	})

	// The topic holds keys and expiries, not the id.
	kc, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{cl.Addr}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	var records int
	if _, err := kc.ReadRange(ctx, DefaultTopic, 0, -1, -1, func(_ int64, _ time.Time, k, value []byte) {
		records++
		if string(k) != "console/"+key(s.ID) {
			t.Errorf("record key %q, want console/<sha256 of the id>", k)
		}
		if bytes.Contains(k, []byte(s.ID)) || bytes.Contains(value, []byte(s.ID)) {
			t.Errorf("a record holds the session id: %q = %q", k, value)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if records != 2 { // the session, its tombstone
		t.Errorf("%d records on the topic, want 2", records)
	}
}

// TestSessionsBeyondMaxEndTheFirstToExpireEverywhere: the instance that
// starts one session too many ends the one that expires first, on the
// topic, so that every instance drops it.
func TestSessionsBeyondMaxEndTheFirstToExpireEverywhere(t *testing.T) {
	cl := kafkatest.NewCluster(t)
	cl.CreateTopic(t, DefaultTopic, 1, true)
	c := clock.NewFake(time.Now())
	a := kafkaStore(t, cl.Addr, "console", 2, c)
	b := kafkaStore(t, cl.Addr, "console", 2, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first := mustStart(t, a, "1")
	c.Advance(time.Minute)
	mustStart(t, a, "2")
	c.Advance(time.Minute)
	third := mustStart(t, b, "3") // b reads the first two before it counts
	if _, ok := b.Get(ctx, third.ID); !ok {
		t.Fatal("the third session is not found")
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		_, okA := a.Get(ctx, first.ID)
		_, okB := b.Get(ctx, first.ID)
		return !okA && !okB, fmt.Sprintf("the first session lives on: on a %v, on b %v", okA, okB)
	})
}

// TestStartEndsExpiredSessionsBeforeCountingTheLiveOnes: a full store that
// holds an expired session ends it, then the live one that expires first
// when the live ones fill it: never more than max kept.
func TestStartEndsExpiredSessionsBeforeCountingTheLiveOnes(t *testing.T) {
	c := clock.NewFake(time.Unix(1_000_000, 0))
	st := New[int](2, time.Hour, c.Now)
	mustStart(t, st, 1)
	c.Advance(30 * time.Minute)
	a := mustStart(t, st, 2)
	c.Advance(31 * time.Minute) // the first expired, a lives
	// A third: the expired one goes, and the two live ones stay.
	b := mustStart(t, st, 3)
	if st.Len() != 2 {
		t.Fatalf("%d kept, want 2", st.Len())
	}
	mustStart(t, st, 4) // full of live ones: a, the first to expire, goes
	if _, ok := st.Get(context.Background(), a.ID); ok || st.Len() != 2 {
		t.Errorf("a kept %v, %d kept; want a ended, 2 kept", ok, st.Len())
	}
	if _, ok := st.Get(context.Background(), b.ID); !ok {
		t.Error("b ended before the first to expire")
	}
}

// Lookups of unknown sessions that come while a lookup of the topic's end
// is under way share the next one: a burst of unknown cookies costs the
// broker two lookups, not one each.
func TestABurstOfUnknownCookiesCostsTwoLookups(t *testing.T) {
	k := &gatedSpans{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	st, err := NewStore[string](Config{Kafka: k, Kind: "console", Max: 10, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var arrived atomic.Int64
	st.arrived = func() { arrived.Add(1) }
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() { st.Get(ctx, "first") })
	<-k.entered // the first lookup is under way: the burst waits for it
	const burst = 20
	for i := range burst {
		wg.Go(func() { st.Get(ctx, fmt.Sprint("cookie-", i)) })
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		return arrived.Load() == burst+1, fmt.Sprintf("%d of %d lookups came", arrived.Load(), burst+1)
	})
	close(k.gate)
	wg.Wait()
	if n := k.calls.Load(); n != 2 {
		t.Errorf("%d lookups of the topic's end for %d unknown cookies, want 2 (the one under way, and one for all that came during it)", n, burst+1)
	}
}

// gatedSpans is a Kafka whose lookups of the topic's end wait for gate
// and find it empty.
type gatedSpans struct {
	gate    chan struct{}
	entered chan struct{} // told when a lookup begins
	calls   atomic.Int64
}

func (k *gatedSpans) Follow(ctx context.Context, _ string, _ int, _ int64, _ func(), _ func(int64, time.Time, []byte, []byte) error) error {
	<-ctx.Done()
	return nil
}

func (k *gatedSpans) Produce(context.Context, string, int, ...[2][]byte) (int64, error) {
	return 0, errors.New("not here")
}

func (k *gatedSpans) Spans(ctx context.Context, _ string, fn func(int, int64, int64)) error {
	k.calls.Add(1)
	select {
	case k.entered <- struct{}{}:
	default:
	}
	select {
	case <-k.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	fn(0, 0, 0)
	return nil
}
