package hook

import (
	"context"
	"fmt"
	"strconv"

	"go.uber.org/zap"
)

// kind is what create and modify need to know of one kind of object.
type kind[T any] struct {
	name  string                             // "hook", "recipient": for errors
	topic func(s *Store) string              // its topic
	limit error                              // the error of a creation the limit refused
	count func(s *Store, client int64) int   // the account's live objects; caller holds s.mu
	get   func(s *Store, id int64) (T, bool) // a live object by id; caller holds s.mu
	owner func(T) int64                      // its account
}

// create writes a new object that build makes with a new id, and returns
// it once this Store has applied it. Whether it exists is decided by the
// topic's ledger: an account at its limit gets the kind's limit error,
// checked first on this instance's view and then, authoritatively, at the
// record's place in the log (another instance may have created one
// meanwhile); a creation refused there gets a tombstone.
func create[T any](ctx context.Context, s *Store, k kind[T], client int64, build func(id int64) (T, error)) (T, error) {
	var zero T
	unlock, err := s.lockClient(ctx, client)
	if err != nil {
		return zero, err
	}
	defer unlock()
	if err := s.usable(); err != nil {
		return zero, err
	}
	s.mu.RLock()
	full := k.count(s, client) >= s.ledgers[k.topic(s)].limit
	s.mu.RUnlock()
	if full {
		return zero, k.limit
	}
	id, err := s.nextID(ctx)
	if err != nil {
		return zero, err
	}
	obj, err := build(id)
	if err != nil {
		return zero, err
	}
	if _, err := s.write(ctx, k.topic(s), id, obj, origin{create: true}); err != nil {
		return zero, fmt.Errorf("create %s %d: %w", k.name, id, err)
	}
	s.mu.RLock()
	_, exists := k.get(s, id)
	s.mu.RUnlock()
	if !exists {
		if err := s.tombstone(ctx, k.topic(s), id); err != nil {
			// Harmless: every reader refuses the record by the same rule.
			s.log.Warn("tombstone of a refused creation", zap.String("kind", k.name), zap.Int64("id", id), zap.Error(err))
		}
		return zero, k.limit
	}
	return obj, nil
}

// modify applies edit to live object id of the account and writes the
// result, unless edit says nothing changes (false). Errors: ErrNotFound
// (unknown, deleted or another account's), ErrUnavailable.
func modify[T any](ctx context.Context, s *Store, k kind[T], client, id int64, edit func(*T) bool) (T, error) {
	var zero T
	unlock, err := s.lockClient(ctx, client)
	if err != nil {
		return zero, err
	}
	defer unlock()
	s.mu.RLock()
	obj, ok := k.get(s, id)
	created := s.ledgers[k.topic(s)].createdAt(id)
	s.mu.RUnlock()
	if !ok || k.owner(obj) != client {
		return zero, ErrNotFound
	}
	if !edit(&obj) {
		return obj, nil
	}
	if err := s.usable(); err != nil {
		return zero, err
	}
	off, err := s.write(ctx, k.topic(s), id, obj, origin{offset: created})
	if err != nil {
		return zero, fmt.Errorf("change %s %d: %w", k.name, id, err)
	}
	if s.voided(ctx, k.name, k.topic(s), id, off, created) {
		return zero, ErrNotFound
	}
	return obj, nil
}

// voided reports whether the change of object id written at offset off came
// after a delete of the object (made through another instance before this
// one saw it): then the change is void, as deletes are final, and voided
// writes the delete again, so that the key's last record, the one
// compaction keeps, is a delete.
func (s *Store) voided(ctx context.Context, kind, topic string, id, off, created int64) bool {
	s.mu.RLock()
	t, gone := s.ledgers[topic].tombOf(id)
	s.mu.RUnlock()
	if !gone || t.offset >= off { // none, or this very record is the delete
		return false
	}
	if _, err := s.write(ctx, topic, id, t.record, origin{offset: created, deleted: t.offset}); err != nil {
		s.log.Warn("writing again the delete a stale change followed", zap.String("kind", kind), zap.Int64("id", id), zap.Error(err))
	}
	return true
}

// tombstone writes an empty value for id: the record of a creation the
// limit refused, so that compaction removes it for every reader.
func (s *Store) tombstone(ctx context.Context, topic string, id int64) error {
	_, err := s.produce(ctx, topic, []byte(strconv.FormatInt(id, 10)), nil)
	return err
}
