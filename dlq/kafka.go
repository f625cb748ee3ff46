package dlq

import (
	"context"
	"time"
)

// Kafka is what the dlq package needs of Kafka; *consumer.Client is one.
// Scan, Stats and List use Spans and Fetch; Tail Spans and Follow; Replay
// all but Follow. One interface, because one Config carries it to all of
// them.
type Kafka interface {
	// Spans calls fn with every partition of topic, ascending, and the
	// offsets of its first record and after its last, as of now. A topic
	// that does not exist is an error with a Missing method that is true.
	Spans(ctx context.Context, topic string, fn func(partition int, first, end int64)) error
	// Fetch reads records of a partition from offset from on with one
	// fetch request, calls fn with those below end in order, and returns
	// the offset to read from next (end when nothing is left below it).
	Fetch(ctx context.Context, topic string, partition int, from, end int64,
		fn func(offset int64, at time.Time, key, value []byte)) (next int64, err error)
	// Follow calls fn with every record of a partition from offset from
	// on, in order, also with those appended later, until ctx ends (nil)
	// or fn fails (its error). Failures of Kafka are retried.
	Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
		fn func(offset int64, at time.Time, key, value []byte) error) error
	// EnsureCompacted creates topic, compacted with one partition, if it
	// is missing; created tells whether it did. The topic is known to
	// Produce at once.
	EnsureCompacted(ctx context.Context, topic string) (created bool, err error)
	// Produce appends records (key, value) to a partition of topic,
	// acknowledged by all in-sync replicas, and returns the first's offset.
	Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (offset int64, err error)
}
