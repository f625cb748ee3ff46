package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Scanner reads what was appended to a partition since a time: what a
// worker that takes a partition over after a crash needs to find the
// records its previous owner wrote. Safe for concurrent use; Close it when
// done.
type Scanner struct {
	brokers []string
	offsets *Offsets
}

// NewScanner returns a Scanner reading from brokers.
func NewScanner(brokers []string) *Scanner {
	return &Scanner{brokers: brokers, offsets: NewOffsets(brokers)}
}

// Close closes the connections.
func (s *Scanner) Close() { s.offsets.Close() }

// Scan calls fn with every record of a partition of topic appended at or
// after since (by record timestamp), up to the partition's end as it is when
// Scan starts. Each call to the broker has a 10 s limit; ctx bounds the
// whole scan.
func (s *Scanner) Scan(ctx context.Context, topic string, partition int, since time.Time, fn func(offset int64, value []byte)) error {
	from, found, err := s.offsets.After(ctx, topic, partition, since)
	if err != nil || !found {
		return err
	}
	end, err := s.offsets.list(ctx, topic, kafka.LastOffsetOf(partition))
	if err != nil {
		return err
	}
	if from >= end.LastOffset {
		return nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: s.brokers, Topic: topic, Partition: partition,
		MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 250 * time.Millisecond, ReadLagInterval: -1,
	})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		return fmt.Errorf("scanning %s/%d: %w", topic, partition, err)
	}
	for {
		// Offsets the broker does not serve (transaction markers, records
		// compacted away) can leave the end unreached: a fetch that waits
		// this long for a record means the scan is done.
		fctx, cancel := context.WithTimeout(ctx, scanQuiet)
		m, err := r.FetchMessage(fctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return nil
		case err != nil:
			return fmt.Errorf("scanning %s/%d from %d: %w", topic, partition, from, err)
		}
		fn(m.Offset, m.Value)
		if m.Offset+1 >= end.LastOffset {
			return nil
		}
	}
}

// scanQuiet is how long a scan waits for a record before it takes the
// partition's end as reached.
const scanQuiet = 5 * time.Second

// PartitionOf returns the partition of topic that a Writer puts key in.
func (s *Scanner) PartitionOf(ctx context.Context, topic string, key []byte) (int, error) {
	return s.partitionOf(ctx, topic, key)
}

// partitionOf is the partition a Writer (kafka.Hash) puts key in.
func (s *Scanner) partitionOf(ctx context.Context, topic string, key []byte) (int, error) {
	resp, err := s.offsets.cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	for _, t := range resp.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return 0, fmt.Errorf("partitions of %s: %w", topic, t.Error)
		}
		if len(t.Partitions) == 0 {
			break
		}
		// As the Writer does: partitions 0..n-1.
		parts := make([]int, len(t.Partitions))
		for i := range parts {
			parts[i] = i
		}
		return (&kafka.Hash{}).Balance(kafka.Message{Key: key}, parts...), nil
	}
	return 0, fmt.Errorf("partitions of %s: %w", topic, errors.New("not in the broker's answer"))
}
