package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// LogStart returns the partition's log start offset: the first offset the
// broker still has (retention and DeleteRecords move it up).
func (c *Client) LogStart(ctx context.Context, topic string, partition int) (int64, error) {
	p, err := c.list(ctx, topic, partition, kafka.FirstOffsetOf(partition))
	if err != nil {
		return 0, err
	}
	return p.FirstOffset, nil
}

// After returns the first offset of the partition whose record's timestamp
// is at or after t; found is false when every record is older.
func (c *Client) After(ctx context.Context, topic string, partition int, t time.Time) (offset int64, found bool, err error) {
	p, err := c.list(ctx, topic, partition, kafka.TimeOffsetOf(partition, t))
	if err != nil {
		return 0, false, err
	}
	for off := range p.Offsets { // one at most
		if off >= 0 { // nothing that new: no entry, or -1 (kfake)
			return off, true, nil
		}
	}
	return 0, false, nil
}

// span returns the partition's span as it is now: the offset of its first
// record and the offset after its last (equal when it is empty).
func (c *Client) span(ctx context.Context, topic string, partition int) (first, end int64, err error) {
	p, err := c.list(ctx, topic, partition, kafka.FirstOffsetOf(partition), kafka.LastOffsetOf(partition))
	if err != nil {
		return 0, 0, err
	}
	return p.FirstOffset, max(p.FirstOffset, p.LastOffset), nil
}

// Spans calls fn with the span of every partition of topic as it is now,
// in ascending partition order: the offset of its first record and the
// offset after its last (equal when it is empty). A topic that does not
// exist is a *MissingTopicError.
func (c *Client) Spans(ctx context.Context, topic string, fn func(partition int, first, end int64)) error {
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		return err
	}
	reqs := make([]kafka.OffsetRequest, 0, 2*len(parts))
	for _, p := range parts {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	res, err := c.listOffsets(ctx, topic, reqs)
	if err != nil {
		return err
	}
	if len(res) != len(parts) {
		return fmt.Errorf("listing offsets of %s: %d partitions answered of %d", topic, len(res), len(parts))
	}
	for _, p := range parts {
		fn(p, res[p].FirstOffset, max(res[p].FirstOffset, res[p].LastOffset))
	}
	return nil
}

// list asks for offsets of one partition.
func (c *Client) list(ctx context.Context, topic string, partition int, reqs ...kafka.OffsetRequest) (kafka.PartitionOffsets, error) {
	res, err := c.listOffsets(ctx, topic, reqs)
	if err != nil {
		return kafka.PartitionOffsets{}, err
	}
	p, ok := res[partition]
	if !ok {
		return p, fmt.Errorf("listing offsets of %s/%d: %w", topic, partition, errors.New("the broker did not answer for the partition"))
	}
	return p, nil
}

// listOffsets asks for offsets of partitions of topic; the answer is by
// partition, and an error of any partition is the error.
func (c *Client) listOffsets(ctx context.Context, topic string, reqs []kafka.OffsetRequest) (map[int]kafka.PartitionOffsets, error) {
	resp, err := c.cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s: %w", topic, err)
	}
	out := make(map[int]kafka.PartitionOffsets, len(reqs))
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("listing offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		out[p.Partition] = p
	}
	return out, nil
}

// partitions returns the partition ids of topic, ascending; a topic that
// does not exist (or has no partitions) is a *MissingTopicError.
func (c *Client) partitions(ctx context.Context, topic string) ([]int, error) {
	md, err := c.cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading the partitions of %s: %w", topic, err)
	}
	for _, t := range md.Topics {
		switch {
		case t.Name != topic:
			continue
		case errors.Is(t.Error, kafka.UnknownTopicOrPartition):
			return nil, &MissingTopicError{Topic: topic}
		case t.Error != nil:
			return nil, fmt.Errorf("reading the partitions of %s: %w", topic, t.Error)
		}
		ids := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ids = append(ids, p.ID)
		}
		if len(ids) == 0 {
			break
		}
		slices.Sort(ids)
		return ids, nil
	}
	return nil, &MissingTopicError{Topic: topic}
}

// SetTopicConfigs sets configs (e.g. retention.ms) on existing topics.
func SetTopicConfigs(ctx context.Context, brokers []string, topics []string, configs map[string]string) error {
	c := newClient(ClientConfig{Brokers: brokers, Timeout: adminTimeout})
	defer c.Close()
	req := &kafka.IncrementalAlterConfigsRequest{}
	for _, topic := range topics {
		res := kafka.IncrementalAlterConfigsRequestResource{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}
		for name, value := range configs {
			res.Configs = append(res.Configs, kafka.IncrementalAlterConfigsRequestConfig{Name: name, Value: value, ConfigOperation: kafka.ConfigOperationSet})
		}
		req.Resources = append(req.Resources, res)
	}
	resp, err := c.cl.IncrementalAlterConfigs(ctx, req)
	if err != nil {
		return fmt.Errorf("setting topic configs: %w", err)
	}
	var errs []error
	for _, r := range resp.Resources {
		if r.Error != nil {
			errs = append(errs, fmt.Errorf("setting configs of topic %s: %w", r.ResourceName, r.Error))
		}
	}
	return errors.Join(errs...)
}
