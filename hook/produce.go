package hook

import (
	"context"
	"fmt"
	"strconv"
)

// produce writes one record to partition 0 of topic, acknowledged by all
// in-sync replicas, and returns its offset. Errors wrap ErrUnavailable.
func (s *Store) produce(ctx context.Context, topic string, key, value []byte) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	off, err := s.kafka.Produce(ctx, topic, 0, [2][]byte{key, value})
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return off, nil
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
