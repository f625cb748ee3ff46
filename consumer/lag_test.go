package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/internal/kafkatest"
)

// GroupOffsets answers, per partition, the span and the group's commit:
// -1 where the group committed nothing (another group's commits aside),
// and a missing topic is a *MissingTopicError.
func TestGroupOffsets(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "in", 2, false)
	k := mustClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mustProduce(t, k, "in", 0, "a", "b", "c", "d", "e")
	mustProduce(t, k, "in", 1, "f", "g")
	mustCommit(t, c, "g", "in", 0, 3)
	mustCommit(t, c, "other", "in", 1, 2)

	got := func(group string) []string {
		var out []string
		if err := k.GroupOffsets(ctx, group, "in", func(p int, first, committed, end int64) {
			out = append(out, fmt.Sprintf("%d:%d/%d/%d", p, first, committed, end))
		}); err != nil {
			t.Fatalf("GroupOffsets(%s): %v", group, err)
		}
		return out
	}
	if g, want := got("g"), []string{"0:0/3/5", "1:0/-1/2"}; !slices.Equal(g, want) {
		t.Errorf("group g: %v, want %v", g, want)
	}
	if g, want := got("nobody"), []string{"0:0/-1/5", "1:0/-1/2"}; !slices.Equal(g, want) {
		t.Errorf("a group that never committed: %v, want %v", g, want)
	}
	var missing *MissingTopicError
	if err := k.GroupOffsets(ctx, "g", "nope", func(int, int64, int64, int64) {}); !errors.As(err, &missing) {
		t.Errorf("missing topic: %v, want a *MissingTopicError", err)
	}
}

// mustCommit commits offset for the partition in group, as a consumer
// outside any generation does (an admin tool).
func mustCommit(tb testing.TB, c *kafkatest.Cluster, group, topic string, partition int, offset int64) {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(c.Addr), Timeout: 10 * time.Second, Transport: tr}
	res, err := cl.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: partition, Offset: offset}}},
	})
	if err != nil {
		tb.Fatalf("commit: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			tb.Fatalf("commit %s/%d: %v", topic, p.Partition, p.Error)
		}
	}
}
