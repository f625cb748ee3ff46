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

// adminTimeout bounds a request of EnsureTopics, SmallTopics,
// SetTopicConfigs: creating topics can take the brokers a while.
const adminTimeout = 15 * time.Second

// EnsureTopics creates the topics that do not exist yet; existing topics are
// left as they are.
func EnsureTopics(ctx context.Context, brokers []string, topics []Topic) error {
	c := newClient(ClientConfig{Brokers: brokers, Timeout: adminTimeout})
	defer c.Close()
	_, err := c.createTopics(ctx, topics)
	return err
}

// EnsureCompacted creates topic as a compacted topic of one partition if
// it does not exist; created tells whether it did. The Client knows a
// topic it created at once: a record produced through it next finds it.
func (c *Client) EnsureCompacted(ctx context.Context, topic string) (created bool, err error) {
	names, err := c.createTopics(ctx, []Topic{{Name: topic, Partitions: 1, Compacted: true}})
	return len(names) == 1, err
}

// createTopics creates the topics that do not exist yet and returns the
// names of those it created.
func (c *Client) createTopics(ctx context.Context, topics []Topic) (created []string, err error) {
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, t.config())
	}
	resp, err := c.cl.CreateTopics(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("creating topics: %w", err)
	}
	var errs []error
	for _, t := range topics {
		switch err := resp.Errors[t.Name]; {
		case err == nil:
			created = append(created, t.Name)
		case !errors.Is(err, kafka.TopicAlreadyExists):
			errs = append(errs, fmt.Errorf("creating topic %s: %w", t.Name, err))
		}
	}
	return created, errors.Join(errs...)
}

// config is the topic's creation request.
func (t Topic) config() kafka.TopicConfig {
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
	return cfg
}

// Ping checks that the brokers answer a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	c := newClient(ClientConfig{Brokers: brokers, Timeout: 5 * time.Second})
	defer c.Close()
	_, err := c.cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
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
	c := newClient(ClientConfig{Brokers: brokers, Timeout: adminTimeout})
	defer c.Close()
	resp, err := c.cl.DescribeConfigs(ctx, req)
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
