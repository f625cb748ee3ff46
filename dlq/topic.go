package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
)

// newClient returns a Kafka client with its own transport; call the
// returned func when done, so that no connection is left behind.
func newClient(cfg Config) (*kafka.Client, func()) {
	t := &kafka.Transport{DialTimeout: cfg.Timeout}
	return &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: cfg.Timeout, Transport: t}, t.CloseIdleConnections
}

// span is the offsets of one partition to read: first up to, not
// including, end.
type span struct {
	partition  int
	first, end int64
}

// snapshot returns the span of every partition of topic as it is now,
// ordered by partition.
func snapshot(ctx context.Context, cl *kafka.Client, topic string) ([]span, error) {
	parts, err := partitions(ctx, cl, topic)
	if err != nil {
		return nil, err
	}
	req := make([]kafka.OffsetRequest, 0, 2*len(parts))
	for _, p := range parts {
		req = append(req, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s: %w", topic, err)
	}
	spans := make([]span, 0, len(parts))
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("listing offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		spans = append(spans, span{partition: p.Partition, first: p.FirstOffset, end: max(p.FirstOffset, p.LastOffset)})
	}
	if len(spans) != len(parts) {
		return nil, fmt.Errorf("listing offsets of %s: %d partitions answered of %d", topic, len(spans), len(parts))
	}
	slices.SortFunc(spans, func(a, b span) int { return a.partition - b.partition })
	return spans, nil
}

// partitions returns the partition ids of topic, ascending.
func partitions(ctx context.Context, cl *kafka.Client, topic string) ([]int, error) {
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of %s: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("topic %s: %w", topic, t.Error)
		}
		ids := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		return ids, nil
	}
	return nil, fmt.Errorf("topic %s: %w", topic, kafka.UnknownTopicOrPartition)
}

// ensureCompacted creates topic as a compacted topic of one partition if it
// does not exist; created tells whether it did.
func ensureCompacted(ctx context.Context, cl *kafka.Client, topic string) (created bool, err error) {
	res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic:             topic,
		NumPartitions:     1,
		ReplicationFactor: -1,
		ConfigEntries:     []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}},
	}}})
	if err != nil {
		return false, fmt.Errorf("creating topic %s: %w", topic, err)
	}
	switch err := res.Errors[topic]; {
	case err == nil:
		return true, nil
	case errors.Is(err, kafka.TopicAlreadyExists):
		return false, nil
	default:
		return false, fmt.Errorf("creating topic %s: %w", topic, err)
	}
}
