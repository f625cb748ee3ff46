package hook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// TestLimitsHoldAcrossInstances: creations of one account made at the same
// moment through three instances end at exactly the limit, and every
// instance, and one started afterwards, sees the same objects.
func TestLimitsHoldAcrossInstances(t *testing.T) {
	c := newCluster(t)
	var stores []*Store
	for range 3 {
		s, _ := startStore(t, c, nil, Config{})
		stores = append(stores, s)
	}
	ctx := context.Background()
	// Two hooks exist already: 8 places are left for 18 racing creations.
	mustHook(t, stores[0], clientA, 1)
	mustHook(t, stores[1], clientA, 1)
	wait.For(t, 5*time.Second, func() (bool, string) {
		return len(stores[2].Hooks(clientA)) == 2, "instance 3 has not seen the first hooks"
	})

	var mu sync.Mutex
	var created []int64
	var refused int
	create := func(s *Store, f func() (int64, error), limitErr error) {
		id, err := f()
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			created = append(created, id)
		case errors.Is(err, limitErr):
			refused++
		default:
			t.Errorf("create: %v", err)
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 18 {
		s := stores[i%3]
		wg.Go(func() {
			<-start
			create(s, func() (int64, error) {
				h, err := s.CreateHook(ctx, clientA, 1, fmt.Sprintf("https://hooks.example.com/%d", i))
				return h.ID, err
			}, ErrHookLimit)
		})
	}
	close(start)
	wg.Wait()
	if len(created) != MaxHooks-2 || refused != 18-(MaxHooks-2) {
		t.Fatalf("%d created, %d refused; want %d and %d", len(created), refused, MaxHooks-2, 18-(MaxHooks-2))
	}
	late, _ := startStore(t, c, nil, Config{}) // a restart reads the same
	for i, s := range append(stores, late) {
		wait.For(t, 5*time.Second, func() (bool, string) {
			ids := hookIDsOf(s.Hooks(clientA))
			return len(ids) == MaxHooks && containsAll(ids, created), fmt.Sprintf("instance %d has hooks %v; created %v", i+1, ids, created)
		})
	}
	// The account is full everywhere.
	for _, s := range stores {
		if _, err := s.CreateHook(ctx, clientA, 1, "https://hooks.example.com/more"); !errors.Is(err, ErrHookLimit) {
			t.Errorf("a creation on a full account = %v, want ErrHookLimit", err)
		}
	}
}

// TestRecipientLimitHoldsAcrossInstances is the same for recipients.
func TestRecipientLimitHoldsAcrossInstances(t *testing.T) {
	c := newCluster(t)
	a, _ := startStore(t, c, nil, Config{})
	b, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	start := make(chan struct{})
	for i := range 16 {
		s := []*Store{a, b}[i%2]
		wg.Go(func() {
			<-start
			_, err := s.CreateRecipient(ctx, clientA, fmt.Sprintf("ops%d@example.com", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrRecipientLimit):
				refused++
			default:
				t.Errorf("CreateRecipient: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok != MaxRecipients || refused != 6 {
		t.Fatalf("%d created, %d refused; want %d and 6", ok, refused, MaxRecipients)
	}
	late, _ := startStore(t, c, nil, Config{})
	for _, s := range []*Store{a, b, late} {
		wait.For(t, 5*time.Second, func() (bool, string) {
			n := len(s.AllRecipients(clientA))
			return n == MaxRecipients, fmt.Sprintf("%d recipients, want %d", n, MaxRecipients)
		})
	}
}

func hookIDsOf(hs []schema.Hook) []int64 {
	var ids []int64
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids
}

func containsAll(ids, want []int64) bool {
	for _, id := range want {
		if !slices.Contains(ids, id) {
			return false
		}
	}
	return true
}

// BenchmarkCreateHook is what a POST /hooks waits for: an id from the ids
// topic, the record written (acks=all) and read back, the limit decided.
func BenchmarkCreateHook(b *testing.B) {
	c := newCluster(b)
	s, _ := startStore(b, c, nil, Config{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.CreateHook(ctx, int64(i+1), 1, "https://hooks.example.com/x"); err != nil {
			b.Fatal(err)
		}
	}
}

// A change written by an instance that had not seen a delete is void: no
// reader brings the hook back, the limit still counts it deleted, and its
// writer writes the delete again, so that the record compaction keeps is a
// delete.
func TestAChangeAfterADeleteIsVoid(t *testing.T) {
	c := newCluster(t)
	s, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()
	h := mustHook(t, s, clientA, 1)
	if err := s.DeleteHook(ctx, clientA, h.ID); err != nil {
		t.Fatal(err)
	}
	// What an instance that had not seen the delete writes: a disable.
	stale := h
	at := stamp(s.now())
	stale.DisabledAt = &at
	off, err := s.write(ctx, s.cfg.HooksTopic, h.ID, stale, origin{offset: s.ledgers[s.cfg.HooksTopic].deleted[h.ID].offset - 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Hook(h.ID); ok {
		t.Fatal("a change after the delete brought the hook back")
	}
	if !s.voided(ctx, "hook", s.cfg.HooksTopic, h.ID, off, -1) {
		t.Fatal("the change after the delete is not void")
	}
	late, _ := startStore(t, c, nil, Config{})
	if _, ok := late.Hook(h.ID); ok {
		t.Error("a restarted reader brought the deleted hook back")
	}
	// The last record of the hook's key is a delete carrying the first
	// delete's offset.
	var last []byte
	for _, m := range readTopic(t, c, DefaultHooksTopic) {
		if string(m.Key) == itoa(h.ID) {
			last = m.Value
		}
	}
	if o := readOrigin(last); o.deleted != s.ledgers[s.cfg.HooksTopic].deleted[h.ID].offset || !strings.Contains(string(last), `"deleted_at"`) {
		t.Errorf("last record of the key: %s", last)
	}
}

// readTopic reads every record of partition 0 of topic.
func readTopic(tb testing.TB, c *kafkatest.Cluster, topic string) []kafka.Message {
	tb.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{c.Addr}, Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(c.Addr), Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(0)}}})
	if err != nil {
		tb.Fatal(err)
	}
	end := offs.Topics[topic][0].LastOffset
	var out []kafka.Message
	for int64(len(out)) < end {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
		if m.Offset+1 >= end {
			break
		}
	}
	return out
}
