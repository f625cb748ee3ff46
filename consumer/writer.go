package consumer

import (
	"context"
	"errors"
	"fmt"
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
	max       int              // the largest value it takes
}

// keyRoom is what a batch keeps for a record besides its value: its key
// (postload's are client ids, or at most 1 KiB of an invalid message's)
// and Kafka's framing of the record.
const keyRoom = 4 << 10

// NewWriter returns a Writer for brokers whose records' values are at most
// 1 MiB less 4 KiB (kafka-go's default batch size, which a topic of the
// broker's default max.message.bytes takes); Close it when done.
func NewWriter(brokers []string, log *zap.Logger) *Writer {
	return NewSizedWriter(brokers, 1<<20-keyRoom, log)
}

// NewSizedWriter returns a Writer for brokers whose records' values are at
// most maxRecordBytes, with keys of up to 1 KiB; a larger record is refused
// with a TooLargeError. Its batches (of records to one partition, up to
// maxRecordBytes and keyRoom, compressed) take up to
// TopicMaxMessageBytes(maxRecordBytes): every topic it writes to must take
// that much. Close it when done.
func NewSizedWriter(brokers []string, maxRecordBytes int, log *zap.Logger) *Writer {
	t := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	return &Writer{transport: t, max: maxRecordBytes, w: &kafka.Writer{
		Transport:    t,
		Addr:         kafka.TCP(brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		// Every record is a hand-off (a retry, a dead letter, an invalid
		// message; the produce and replay commands' records) whose caller
		// waits for it, not a delivery, so it may wait a little for
		// company: 2 ms. Not more: the many hand-offs of a dead endpoint
		// are grouped before they get here (dispatcher's grouper, which
		// waits for company itself), and a longer wait here only holds
		// each event with a hand-off in flight longer, which bounds the
		// drain (figures: docs/benchmarks.md, "What bounds each figure",
		// Isolation).
		BatchTimeout: 2 * time.Millisecond,
		BatchSize:    500,
		// Checked before compressing, for a record alone and for a batch.
		BatchBytes: int64(maxRecordBytes + keyRoom),
		// Records are JSON that carries load events, escaped: a group of a
		// dead endpoint's deliveries shrinks to a fraction with Snappy,
		// which takes most of the broker's work for a dead endpoint away
		// at no cost to postload worth measuring (figures:
		// docs/benchmarks.md, "What bounds each figure", Isolation).
		Compression:  kafka.Snappy,
		MaxAttempts:  3,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
		ErrorLogger:  kafkaLogger(log.Named("writer")),
	}}
}

// Publish writes one record and returns once the broker has it. The record
// goes to the partition chosen by hashing key. A record refused for its
// size, by this writer or by the broker, is a *TooLargeError.
func (w *Writer) Publish(ctx context.Context, topic string, key, value []byte) error {
	if len(value) > w.max {
		return &TooLargeError{Topic: topic, Bytes: len(key) + len(value), WriterLimit: w.max}
	}
	// The time is the record's timestamp, which a takeover after a crash
	// scans by (Scanner): set here, not left to the broker.
	err := w.w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: key, Value: value, Time: time.Now()})
	var mtl kafka.MessageTooLargeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mtl):
		return &TooLargeError{Topic: topic, Bytes: len(key) + len(value), WriterLimit: w.max, err: err}
	case brokerTooLarge(err):
		return &TooLargeError{Topic: topic, Bytes: len(key) + len(value), err: err}
	}
	return err
}

// brokerTooLarge reports that the broker refused a write for its size.
func brokerTooLarge(err error) bool {
	if errors.Is(err, kafka.MessageSizeTooLarge) || errors.Is(err, kafka.RecordListTooLarge) {
		return true
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		for _, e := range werrs {
			if e != nil && brokerTooLarge(e) {
				return true
			}
		}
	}
	return false
}

// TooLargeError is a record refused for its size: by the writer, or by
// the broker (the topic's max.message.bytes is smaller than the batch).
// Trying again does not help. Its TooLarge method tells it to callers
// that do not import this package.
type TooLargeError struct {
	Topic string
	Bytes int // the record's key and value
	// WriterLimit is the writer's limit when it refused the record; 0
	// when the broker did.
	WriterLimit int
	err         error
}

func (e *TooLargeError) Error() string {
	if e.WriterLimit > 0 {
		return fmt.Sprintf("a record of %d bytes for %s is larger than the writer takes (%d bytes)", e.Bytes, e.Topic, e.WriterLimit)
	}
	return fmt.Sprintf("the broker refused a record of %d bytes for %s as too large: raise the topic's max.message.bytes (%v)", e.Bytes, e.Topic, e.err)
}

// TooLarge is true: the record is refused for its size.
func (e *TooLargeError) TooLarge() bool { return true }

func (e *TooLargeError) Unwrap() error { return e.err }

// Close flushes and closes the writer.
func (w *Writer) Close() error {
	err := w.w.Close()
	w.transport.CloseIdleConnections()
	return err
}
