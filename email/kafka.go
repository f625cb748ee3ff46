package email

import (
	"context"
	"time"
)

// Kafka is what the email role needs of Kafka; *consumer.Client is one.
type Kafka interface {
	// OwnPartitions runs this process's member of consumer group id on
	// topics until ctx ends. For each generation that assigns it
	// partitions, own runs with them (topic → partition → the offset to
	// read from; negative: the first) and a commit function, until the
	// generation's ctx ends; own then gives them up and returns, and only
	// then does the member join the next generation. rebalance must exceed
	// the longest that takes.
	OwnPartitions(ctx context.Context, id string, topics []string, session, rebalance time.Duration,
		own func(ctx context.Context, assigned map[string]map[int]int64, commit func(topic string, partition int, offset int64) error)) error
	// Follow calls fn with every record of a partition from offset from
	// on (negative: its first), in order, also with those appended later,
	// until ctx ends (nil) or fn fails (its error). Failures of Kafka are
	// retried.
	Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
		fn func(offset int64, at time.Time, key, value []byte) error) error
	// ReadRange calls fn with every record of a partition from offset
	// from up to end (negative: its first and its end as of now), in
	// order.
	ReadRange(ctx context.Context, topic string, partition int, from, end int64,
		fn func(offset int64, at time.Time, key, value []byte)) (next int64, err error)
	// Produce appends records (key, value; a nil value is a tombstone) to
	// a partition as one batch, all or none, acknowledged by every in-sync
	// replica.
	Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (offset int64, err error)
}
