package consumer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

// incompressible returns n bytes Snappy cannot shrink much.
func incompressible(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('!' + rand.IntN(90))
	}
	return b
}

// A topic created with TopicMaxMessageBytes takes every batch of a sized
// writer, a record of the full size alone and many records at once; and a
// group whose fetches are smaller (MaxFetchBytes 1 MiB) still reads the
// large record whole: the broker returns the first batch of a fetch whole
// whatever its size (KIP-74), and kafka-go's reader takes it.
func TestSizedWriterAndTopicTakeRecordsLargerThanAFetch(t *testing.T) {
	const limit = 3 << 20
	c := kafkatest.NewCluster(t)
	if err := EnsureTopics(context.Background(), []string{c.Addr}, []Topic{{Name: "big", Partitions: 1, MaxMessageBytes: TopicMaxMessageBytes(limit)}}); err != nil {
		t.Fatal(err)
	}
	w := NewSizedWriter([]string{c.Addr}, limit, zaptest.NewLogger(t))
	defer w.Close()
	large := incompressible(limit)
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for i := range errs { // batched together as far as the writer's limit allows
		wg.Go(func() {
			v := large
			if i > 0 {
				v = incompressible(limit / 4)
			}
			errs[i] = w.Publish(context.Background(), "big", fmt.Append(nil, i), v)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	got := map[string][]byte{}
	stop := startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"big"}}, HandlerFunc(func(_ context.Context, m Message) error {
		mu.Lock()
		got[string(m.Key)] = m.Value
		mu.Unlock()
		return nil
	}))
	defer stop()
	wait.For(t, 30*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == len(errs), fmt.Sprintf("%d of %d records read", len(got), len(errs))
	})
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(got["0"], large) {
		t.Errorf("the %d-byte record read back as %d bytes, not the same", len(large), len(got["0"]))
	}
}

// A record larger than the writer takes, or than the topic takes, is a
// *TooLargeError that callers can tell by its TooLarge method.
func TestWriterTellsARecordTooLarge(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "default", 1, false) // the broker's 1 MB
	w := NewSizedWriter([]string{c.Addr}, 3<<20, zaptest.NewLogger(t))
	defer w.Close()
	var tl interface{ TooLarge() bool }

	err := w.Publish(context.Background(), "default", []byte("k"), incompressible(3<<20+1))
	var te *TooLargeError
	if !errors.As(err, &te) || te.WriterLimit != 3<<20 || !errors.As(err, &tl) || !tl.TooLarge() {
		t.Errorf("a record over the writer's limit: %v, want a TooLargeError of the writer", err)
	}
	err = w.Publish(context.Background(), "default", []byte("k"), incompressible(2<<20))
	if !errors.As(err, &te) || te.WriterLimit != 0 || te.Topic != "default" || !errors.As(err, &tl) {
		t.Errorf("a record over the topic's limit: %v, want a TooLargeError of the broker", err)
	}
	if err := w.Publish(context.Background(), "default", []byte("k"), []byte("small")); err != nil {
		t.Errorf("a small record after them: %v", err)
	}
}

// SmallTopics names the topics that existed with a max.message.bytes
// below what they are to be created with.
func TestSmallTopicsNamesTopicsThatExistedSmaller(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "old", 1, false) // the broker's default
	topics := []Topic{{Name: "old", Partitions: 1, MaxMessageBytes: 4 << 20}, {Name: "new", Partitions: 1, MaxMessageBytes: 4 << 20}, {Name: "plain", Partitions: 1}}
	if err := EnsureTopics(context.Background(), []string{c.Addr}, topics); err != nil {
		t.Fatal(err)
	}
	small, err := SmallTopics(context.Background(), []string{c.Addr}, topics)
	if err != nil {
		t.Fatal(err)
	}
	if len(small) != 1 || small["old"] <= 0 || small["old"] >= 4<<20 {
		t.Errorf("small topics %v, want only old, with the broker's default", small)
	}
}
