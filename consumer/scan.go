package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

	mu     sync.Mutex
	counts map[string]partitionCount // by topic
}

// NewScanner returns a Scanner reading from brokers.
func NewScanner(brokers []string) *Scanner {
	return &Scanner{brokers: brokers, offsets: NewOffsets(brokers), counts: map[string]partitionCount{}}
}

// Close closes the connections.
func (s *Scanner) Close() { s.offsets.Close() }

// Scan calls fn with every record of a partition of topic, from offset
// from (or, when from is negative, from the first record appended at or
// after since, by record timestamp) up to the partition's end as it is
// when Scan starts. It returns the offset to resume from, also with an
// error (a scan that ran out of time goes on from there). Each call to the
// broker has a 10 s limit; ctx bounds the whole scan.
func (s *Scanner) Scan(ctx context.Context, topic string, partition int, since time.Time, from int64,
	fn func(offset int64, at time.Time, value []byte)) (next int64, err error) {
	if from < 0 {
		var found bool
		from, found, err = s.offsets.After(ctx, topic, partition, since)
		if err != nil {
			return -1, err
		}
		if !found {
			from = -2 // nothing so new yet: the end, below
		}
	}
	end, err := s.offsets.list(ctx, topic, kafka.LastOffsetOf(partition))
	if err != nil {
		return from, err
	}
	if from == -2 || from >= end.LastOffset {
		return end.LastOffset, nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: s.brokers, Topic: topic, Partition: partition,
		MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 250 * time.Millisecond, ReadLagInterval: -1,
		// Records can be large (a dead letter carries its event): read
		// ahead only a few.
		QueueCapacity: 4,
	})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		return from, fmt.Errorf("scanning %s/%d: %w", topic, partition, err)
	}
	next = from
	for {
		// Offsets the broker does not serve (transaction markers, records
		// compacted away) can leave the end unreached: when a fetch waits
		// this long and the reader has passed the end, the scan is done;
		// if it has not, the broker is slow, and the scan goes on later.
		fctx, cancel := context.WithTimeout(ctx, scanQuiet)
		m, err := r.FetchMessage(fctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && r.Offset() >= end.LastOffset:
			return end.LastOffset, nil
		case err != nil:
			return next, fmt.Errorf("scanning %s/%d from %d: %w", topic, partition, next, err)
		}
		fn(m.Offset, m.Time, m.Value)
		next = m.Offset + 1
		if next >= end.LastOffset {
			return next, nil
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
	n, err := s.partitionCount(ctx, topic)
	if err != nil {
		return 0, err
	}
	// As the Writer does: partitions 0..n-1.
	parts := make([]int, n)
	for i := range parts {
		parts[i] = i
	}
	return (&kafka.Hash{}).Balance(kafka.Message{Key: key}, parts...), nil
}

// countKeep is how long a topic's partition count is kept: every suspect
// message asks for it, once per topic.
const countKeep = time.Minute

// partitionCount returns how many partitions topic has, from the broker at
// most once per countKeep.
func (s *Scanner) partitionCount(ctx context.Context, topic string) (int, error) {
	s.mu.Lock()
	c, ok := s.counts[topic]
	s.mu.Unlock()
	if ok && time.Since(c.at) < countKeep {
		return c.n, nil
	}
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
		s.mu.Lock()
		s.counts[topic] = partitionCount{n: len(t.Partitions), at: time.Now()}
		s.mu.Unlock()
		return len(t.Partitions), nil
	}
	return 0, fmt.Errorf("partitions of %s: %w", topic, errors.New("not in the broker's answer"))
}

type partitionCount struct {
	n  int
	at time.Time
}
