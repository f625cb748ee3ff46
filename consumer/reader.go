package consumer

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// reader is what a partition needs of kafka-go's *kafka.Reader: the
// records of one partition, in order, from an offset. Tests fake it.
type reader interface {
	SetOffset(offset int64) error
	FetchMessage(ctx context.Context) (kafka.Message, error)
	Close() error
}

var _ reader = (*kafka.Reader)(nil)

// newReader returns the reader of one partition of the group's topics.
func (g *Group) newReader(topic string, partition int, log *zap.Logger) reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:         g.cfg.Brokers,
		Topic:           topic,
		Partition:       partition,
		MinBytes:        1,
		MaxBytes:        g.cfg.MaxFetchBytes,
		MaxWait:         250 * time.Millisecond,
		QueueCapacity:   64,
		ReadLagInterval: -1,
		ErrorLogger:     kafkaLogger(log),
	})
}
