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
	// MaxMessageBytes is the topic's max.message.bytes, the largest record
	// batch the broker takes; zero leaves the broker's default (1 MB).
	// TopicMaxMessageBytes gives what a NewSizedWriter's batches need.
	MaxMessageBytes int
}

// TopicMaxMessageBytes is the max.message.bytes a topic needs to take every
// batch of a NewSizedWriter(maxRecordBytes): the batch before compression
// (maxRecordBytes and keyRoom), Snappy's worst case for data it cannot
// compress (a sixth more, and a few bytes per 32 KiB chunk: a fifth
// covers both) and 64 KiB for the batch's own framing.
func TopicMaxMessageBytes(maxRecordBytes int) int {
	n := maxRecordBytes + keyRoom
	return n + n/5 + 64<<10
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
		if t.MaxMessageBytes > 0 {
			cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(t.MaxMessageBytes)})
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

// SmallTopics returns, for every topic of topics with MaxMessageBytes set
// whose max.message.bytes on the broker is smaller (one that existed before
// EnsureTopics, made by someone else or by an older version), what the
// broker has. A record larger than that is refused by the broker for that
// topic until the setting is raised.
func SmallTopics(ctx context.Context, brokers []string, topics []Topic) (map[string]int, error) {
	want := map[string]int{}
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range topics {
		if t.MaxMessageBytes > 0 {
			want[t.Name] = t.MaxMessageBytes
			req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
				ResourceType: kafka.ResourceTypeTopic, ResourceName: t.Name, ConfigNames: []string{"max.message.bytes"}})
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	tr := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 15 * time.Second, Transport: tr}
	resp, err := cl.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("reading the topics' max.message.bytes: %w", err)
	}
	small := map[string]int{}
	var errs []error
	for _, r := range resp.Resources {
		if r.Error != nil {
			errs = append(errs, fmt.Errorf("reading max.message.bytes of %s: %w", r.ResourceName, r.Error))
			continue
		}
		for _, e := range r.ConfigEntries {
			if n, err := strconv.Atoi(e.ConfigValue); e.ConfigName == "max.message.bytes" && err == nil && n < want[r.ResourceName] {
				small[r.ResourceName] = n
			}
		}
	}
	return small, errors.Join(errs...)
}
