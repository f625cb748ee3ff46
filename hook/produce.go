package hook

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// produce writes one record to partition 0 of topic, acknowledged by all
// in-sync replicas, and returns its offset. Errors wrap ErrUnavailable.
func (s *Store) produce(ctx context.Context, topic string, key, value []byte) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := s.client.Produce(ctx, &kafka.ProduceRequest{
		Topic:        topic,
		Partition:    0,
		RequiredAcks: kafka.RequireAll,
		Records:      kafka.NewRecordReader(kafka.Record{Key: kafka.NewBytes(key), Value: kafka.NewBytes(value)}),
	})
	if err != nil {
		return 0, fmt.Errorf("%w: produce to %s: %w", ErrUnavailable, topic, err)
	}
	if res.Error != nil {
		return 0, fmt.Errorf("%w: produce to %s: %w", ErrUnavailable, topic, res.Error)
	}
	for _, err := range res.RecordErrors {
		return 0, fmt.Errorf("%w: produce to %s: %w", ErrUnavailable, topic, err)
	}
	return res.BaseOffset, nil
}

// write produces the record of object id to topic and waits until this
// Store has applied it (read your writes); it returns the record's offset.
func (s *Store) write(ctx context.Context, topic string, id int64, obj any, o origin) (int64, error) {
	value, err := encodeRecord(obj, o)
	if err != nil {
		return 0, err
	}
	off, err := s.produce(ctx, topic, []byte(strconv.FormatInt(id, 10)), value)
	if err != nil {
		return 0, err
	}
	return off, s.waitApplied(ctx, topic, off)
}

// waitApplied blocks until this Store has applied offset off of topic.
func (s *Store) waitApplied(ctx context.Context, topic string, off int64) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	for {
		s.mu.RLock()
		done, changed := s.applied[topic] >= off, s.changed
		s.mu.RUnlock()
		switch {
		case done:
			return nil
		case s.stopped.Load():
			return fmt.Errorf("%w: stopped before offset %d of %s was read back", ErrUnavailable, off, topic)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%w: offset %d of %s not read back: %w", ErrUnavailable, off, topic, ctx.Err())
		}
	}
}
