package consumer

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// Writer publishes records to any topic, synchronously, acknowledged by all
// in-sync replicas. Concurrent calls are batched together. Safe for
// concurrent use.
type Writer struct {
	w         *kafka.Writer
	transport *kafka.Transport // its own, so Close leaves no connection behind
}

// NewWriter returns a Writer for brokers; Close it when done.
func NewWriter(brokers []string, log *zap.Logger) *Writer {
	t := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	return &Writer{transport: t, w: &kafka.Writer{
		Transport:    t,
		Addr:         kafka.TCP(brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		// Every record is a hand-off (a retry, a dead letter, a registry
		// change) whose caller waits for it, not a delivery: waiting up to
		// 20 ms for company makes a dead endpoint's thousands of hand-offs
		// a second a few dozen produce requests (in the isolation
		// benchmark, one run each, the broker's extra work for a black hole
		// went from 0.045 to 0.021 cores). The price: an event with a
		// hand-off stays in flight 20 ms or more, so with 256 in flight per
		// partition at most about 12,800 such events a second per partition.
		BatchTimeout: 20 * time.Millisecond,
		BatchSize:    500,
		MaxAttempts:  3,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
		ErrorLogger:  kafkaLogger(log.Named("writer")),
	}}
}

// Publish writes one record and returns once the broker has it. The record
// goes to the partition chosen by hashing key.
func (w *Writer) Publish(ctx context.Context, topic string, key, value []byte) error {
	return w.w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: key, Value: value})
}

// Close flushes and closes the writer.
func (w *Writer) Close() error {
	err := w.w.Close()
	w.transport.CloseIdleConnections()
	return err
}
