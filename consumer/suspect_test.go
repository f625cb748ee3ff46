package consumer

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

// commitAs commits offset with metadata for group, as a member that has
// since died would have.
func commitAs(tb testing.TB, addr, group, topic string, offset int64, metadata string) {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second, Transport: tr}
	res, err := cl.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: offset, Metadata: metadata}}}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			tb.Fatal(p.Error)
		}
	}
}

// After a worker that did not stop in order, the messages it may have
// handled (below the end the next worker finds) are suspect, with the time
// its last commit gave; those it recorded as finished are skipped; messages
// appended later are not suspect. After an orderly stop nothing is.
func TestMessagesAfterACrashAreSuspect(t *testing.T) {
	for _, clean := range []bool{false, true} {
		t.Run("clean="+strconv.FormatBool(clean), func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopic(t, "in", 1, false)
			w := NewWriter([]string{c.Addr}, zaptest.NewLogger(t))
			defer w.Close()
			mustPublish(t, w, "in", 6)
			since := time.UnixMilli(1764757200123)
			flag := "0"
			if clean {
				flag = "1"
			}
			// Committed at 2, with 4 finished beyond it.
			commitAs(t, c.Addr, "g", "in", 2, fmt.Sprintf("pl1|2||%d|%s", since.UnixMilli(), flag))

			var mu sync.Mutex
			suspect := map[string]time.Time{}
			handled := map[string]bool{}
			stop := startGroup(t, GroupConfig{Brokers: []string{c.Addr}, GroupID: "g", Topics: []string{"in"}, Log: zaptest.NewLogger(t)},
				HandlerFunc(func(ctx context.Context, m Message) error {
					mu.Lock()
					defer mu.Unlock()
					handled[string(m.Value)] = true
					if at, ok := m.Suspect(); ok {
						suspect[string(m.Value)] = at
					}
					return nil
				}))
			defer stop()
			wait.For(t, 20*time.Second, func() (bool, string) {
				mu.Lock()
				defer mu.Unlock()
				return handled["5"], fmt.Sprintf("handled %v", handled)
			})
			if err := w.Publish(context.Background(), "in", nil, []byte("later")); err != nil {
				t.Fatal(err)
			}
			wait.For(t, 20*time.Second, func() (bool, string) {
				mu.Lock()
				defer mu.Unlock()
				return handled["later"], fmt.Sprintf("handled %v", handled)
			})
			mu.Lock()
			defer mu.Unlock()
			if handled["0"] || handled["1"] || handled["4"] {
				t.Errorf("handled %v: 0 and 1 were committed, 4 recorded finished", handled)
			}
			want := map[string]bool{"2": true, "3": true, "5": true}
			if clean {
				want = map[string]bool{}
			}
			if len(suspect) != len(want) {
				t.Errorf("suspect %v, want %v", suspect, want)
			}
			for v, at := range suspect {
				if !want[v] || !at.Equal(since) {
					t.Errorf("message %s suspect since %v; want suspect %v since %v", v, at, want[v], since)
				}
			}
		})
	}
}
