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
		// Every record is a hand-off (a retry, a dead letter, an invalid
		// message; the produce and replay commands' records) whose caller
		// waits for it, not a delivery, so it may wait a little for
		// company: 2 ms. The many hand-offs of a dead endpoint
		// are grouped before they get here (dispatcher's grouper, which
		// waits 10 ms for company itself); with 20 ms here as well, an
		// event's hand-off held its place in flight for 30 ms and the
		// isolation benchmark's drain lost a tenth of its rate.
		BatchTimeout: 2 * time.Millisecond,
		BatchSize:    500,
		// Records are JSON that carries load events, escaped: a group of a
		// dead endpoint's deliveries shrinks to a fraction with Snappy.
		// In the isolation benchmark the broker's extra work for a black
		// hole went from 0.03-0.04 cores to 0.01 with it, and its world's
		// slow turns went away; postload's CPU did not change measurably.
		Compression:  kafka.Snappy,
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
