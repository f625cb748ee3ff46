package consumer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Scanner reads what was appended to a partition since a time: what a
// worker that takes a partition over after a crash needs to find the
// records its previous owner wrote. Safe for concurrent use.
type Scanner struct {
	c *Client

	mu     sync.Mutex
	counts map[string]partitionCount // by topic
}

// NewScanner returns a Scanner reading through c.
func NewScanner(c *Client) *Scanner {
	return &Scanner{c: c, counts: map[string]partitionCount{}}
}

// Scan calls fn with every record of a partition of topic, from offset
// from (or, when from is negative, from the first record appended at or
// after since, by record timestamp) up to the partition's end as it is
// when Scan starts. It returns the offset to resume from, also with an
// error (a scan that ran out of time goes on from there). Each call to the
// broker has the Client's limit; ctx bounds the whole scan.
func (s *Scanner) Scan(ctx context.Context, topic string, partition int, since time.Time, from int64,
	fn func(offset int64, at time.Time, value []byte)) (next int64, err error) {
	if from < 0 {
		var found bool
		from, found, err = s.c.After(ctx, topic, partition, since)
		if err != nil {
			return -1, err
		}
		if !found {
			from = -2 // nothing so new yet: the end, below
		}
	}
	_, end, err := s.c.span(ctx, topic, partition)
	if err != nil {
		return from, err
	}
	if from == -2 || from >= end {
		return end, nil
	}
	next, err = s.c.ReadRange(ctx, topic, partition, from, end, func(offset int64, at time.Time, _, value []byte) {
		fn(offset, at, value)
	})
	if err != nil {
		return next, fmt.Errorf("scanning %s/%d from %d: %w", topic, partition, next, err)
	}
	return next, nil
}

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
	parts, err := s.c.partitions(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	s.mu.Lock()
	s.counts[topic] = partitionCount{n: len(parts), at: time.Now()}
	s.mu.Unlock()
	return len(parts), nil
}

type partitionCount struct {
	n  int
	at time.Time
}
