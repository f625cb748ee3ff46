package dlq

import "context"

// span is the offsets of one partition to read: first up to, not
// including, end.
type span struct {
	partition  int
	first, end int64
}

// snapshot returns the span of every partition of topic as it is now,
// ordered by partition.
func snapshot(ctx context.Context, cfg Config, topic string) ([]span, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var spans []span
	err := cfg.Kafka.Spans(ctx, topic, func(partition int, first, end int64) {
		spans = append(spans, span{partition: partition, first: first, end: end})
	})
	return spans, err
}
