package attemptlog

import (
	"context"
	"time"
)

// Kafka is what the delivery log needs of Kafka; *consumer.Client is one.
type Kafka interface {
	// Spans calls fn with the span of every partition of topic: the
	// offset of its first record and the offset after its last.
	Spans(ctx context.Context, topic string, fn func(partition int, first, end int64)) error
	// Produce appends records (key, value) to topic's partition as one
	// batch, acknowledged by all in-sync replicas, and returns the offset
	// of the first.
	Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (offset int64, err error)
	// Follow calls fn with every record of topic's partition from offset
	// from (negative: the partition's first record) on, in offset order,
	// and then with every record appended, until ctx ends (nil) or fn
	// fails; caughtUp is called once fn had every record the partition
	// had when Follow began. Failures of Kafka are retried, not returned.
	Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
		fn func(offset int64, at time.Time, key, value []byte) error) error
}
