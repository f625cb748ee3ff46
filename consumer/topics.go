package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Topic is a topic postload needs, with the settings it is created with.
type Topic struct {
	Name       string
	Partitions int
	Compacted  bool
	// Retention bounds a non-compacted topic by age and by size per
	// partition; zero leaves the broker's default.
	RetentionTime  time.Duration
	RetentionBytes int64
}

// EnsureTopics creates the topics that do not exist yet; existing topics are
// left as they are.
func EnsureTopics(ctx context.Context, brokers []string, topics []Topic) error {
	t := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer t.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 15 * time.Second, Transport: t}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		cfg := kafka.TopicConfig{Topic: t.Name, NumPartitions: t.Partitions, ReplicationFactor: -1}
		if t.Compacted {
			cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: "cleanup.policy", ConfigValue: "compact"})
		}
		if t.RetentionTime > 0 {
			cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: "retention.ms", ConfigValue: strconv.FormatInt(t.RetentionTime.Milliseconds(), 10)})
		}
		if t.RetentionBytes > 0 {
			cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: "retention.bytes", ConfigValue: strconv.FormatInt(t.RetentionBytes, 10)})
		}
		req.Topics = append(req.Topics, cfg)
	}
	resp, err := cl.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("creating topics: %w", err)
	}
	var errs []error
	for name, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("creating topic %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Ping checks that the brokers answer a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	t := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer t.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second, Transport: t}
	_, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
	return err
}
