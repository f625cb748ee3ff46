package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Offsets looks partitions' offsets up: where a partition's log starts, and
// the first offset at or after a time. Every request has a 10 s limit. Safe
// for concurrent use; Close it when done.
type Offsets struct {
	cl        *kafka.Client
	transport *kafka.Transport // its own, so Close leaves no connection behind
}

// NewOffsets returns Offsets asking brokers.
func NewOffsets(brokers []string) *Offsets {
	t := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	return &Offsets{transport: t, cl: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: t}}
}

// Close closes the connections.
func (o *Offsets) Close() { o.transport.CloseIdleConnections() }

// LogStart returns the partition's log start offset: the first offset the
// broker still has (retention and DeleteRecords move it up).
func (o *Offsets) LogStart(ctx context.Context, topic string, partition int) (int64, error) {
	p, err := o.list(ctx, topic, kafka.FirstOffsetOf(partition))
	if err != nil {
		return 0, err
	}
	return p.FirstOffset, nil
}

// After returns the first offset of the partition whose record's timestamp
// is at or after t; found is false when every record is older.
func (o *Offsets) After(ctx context.Context, topic string, partition int, t time.Time) (offset int64, found bool, err error) {
	p, err := o.list(ctx, topic, kafka.TimeOffsetOf(partition, t))
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

func (o *Offsets) list(ctx context.Context, topic string, req kafka.OffsetRequest) (kafka.PartitionOffsets, error) {
	resp, err := o.cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {req}}})
	if err != nil {
		return kafka.PartitionOffsets{}, fmt.Errorf("listing offsets of %s/%d: %w", topic, req.Partition, err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Partition != req.Partition {
			continue
		}
		if p.Error != nil {
			return p, fmt.Errorf("listing offsets of %s/%d: %w", topic, req.Partition, p.Error)
		}
		return p, nil
	}
	return kafka.PartitionOffsets{}, fmt.Errorf("listing offsets of %s/%d: %w", topic, req.Partition, errors.New("the broker did not answer for the partition"))
}

// SetTopicConfigs sets configs (e.g. retention.ms) on existing topics.
func SetTopicConfigs(ctx context.Context, brokers []string, topics []string, configs map[string]string) error {
	t := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer t.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 15 * time.Second, Transport: t}
	req := &kafka.IncrementalAlterConfigsRequest{}
	for _, topic := range topics {
		res := kafka.IncrementalAlterConfigsRequestResource{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}
		for name, value := range configs {
			res.Configs = append(res.Configs, kafka.IncrementalAlterConfigsRequestConfig{Name: name, Value: value, ConfigOperation: kafka.ConfigOperationSet})
		}
		req.Resources = append(req.Resources, res)
	}
	resp, err := cl.IncrementalAlterConfigs(ctx, req)
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
