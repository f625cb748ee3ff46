package hook

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Run reads both topics from the start and keeps following them until ctx is
// done. It returns nil then, only after every goroutine it started has
// exited. Kafka errors are logged and retried; Run may be called once.
func (s *Store) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("hook: Store.Run called twice")
	}
	defer s.stop()
	var wg sync.WaitGroup
	for _, topic := range []string{s.cfg.HooksTopic, s.cfg.RecipientsTopic} {
		wg.Go(func() { s.follow(ctx, topic) })
	}
	wg.Wait()
	return nil
}

// stop makes writes fail fast and wakes those waiting for their record.
func (s *Store) stop() {
	s.stopped.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
}

// follow applies every record of topic until ctx is done; the topic is
// ready once the records it had when follow began are applied.
func (s *Store) follow(ctx context.Context, topic string) {
	log := s.log.With(zap.String("topic", topic))
	// Follow fails only when the apply does, which it never does.
	_ = s.kafka.Follow(ctx, topic, 0, -1, func() { s.markReady(topic) },
		func(offset int64, _ time.Time, key, value []byte) error {
			s.apply(topic, offset, key, value, log)
			return nil
		})
}

// apply puts one record into the view, as its topic's ledger decides, and
// moves the applied offset.
func (s *Store) apply(topic string, offset int64, key, value []byte, log *zap.Logger) {
	var rec record
	var err error
	if topic == s.cfg.HooksTopic {
		rec, err = decodeHookRecord(key, value, s.cfg.CheckURL)
	} else {
		rec, err = decodeRecipientRecord(key, value)
	}
	switch {
	case err != nil:
		s.problem(topic, offset, 0, ProblemSkipped, safeReason(err), log)
	case rec.repair == repairNormalized:
		s.problem(topic, offset, rec.id, ProblemURLNormalized, "the URL was not in its normal form (a record written before URLs were normalized): loaded normalized", log)
	case rec.repair == repairRefused:
		s.problem(topic, offset, rec.id, ProblemURLRefused, "the URL is refused by the URL rules or the SSRF guard: the hook is listed, and deliveries to it will fail until it is deleted or disabled", log)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.put(topic, s.ledgers[topic].apply(rec.id, rec.client, offset, rec.origin, rec.deleted, rec.obj))
	}
	s.applied[topic] = offset
	close(s.changed)
	s.changed = make(chan struct{})
}

// put makes one change of a ledger to the view. The caller holds s.mu.
func (s *Store) put(topic string, c change) {
	if c.skip {
		return
	}
	if topic == s.cfg.HooksTopic {
		h, _ := c.latest.(*schema.Hook)
		s.v.putHook(c.id, h)
		return
	}
	r, _ := c.latest.(*schema.Recipient)
	s.v.putRecipient(c.id, r)
}
