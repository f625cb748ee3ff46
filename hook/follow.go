package hook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/postload/postload/schema"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// retryPause is how long a follower waits after a failed Kafka call.
const retryPause = time.Second

// Run reads both topics from the start and keeps following them until ctx is
// done. It returns nil then, only after every goroutine it started has
// exited. Kafka errors are logged and retried; Run may be called once.
func (s *Store) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("hook: Store.Run called twice")
	}
	defer s.transport.CloseIdleConnections()
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

// follow applies every record of topic until ctx is done.
func (s *Store) follow(ctx context.Context, topic string) {
	log := s.log.With(zap.String("topic", topic))
	end, ok := s.endOffset(ctx, topic, log)
	if !ok {
		return
	}
	if end == 0 {
		s.markReady(topic)
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         s.cfg.Brokers,
		Topic:           topic,
		Partition:       0,
		MinBytes:        1,
		MaxBytes:        10 << 20,
		MaxWait:         s.cfg.MaxWait,
		ReadLagInterval: -1,
		Dialer:          &kafka.Dialer{Timeout: s.cfg.Timeout},
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			log.Warn("kafka reader: " + fmt.Sprintf(msg, args...))
		}),
	})
	defer r.Close()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("fetch", zap.Error(err))
			if !pause(ctx, retryPause) {
				return
			}
			continue
		}
		s.apply(topic, m, log)
		if m.Offset+1 >= end {
			s.markReady(topic)
		}
	}
}

// endOffset returns the offset the next record of topic will get, as of
// now; it retries until it succeeds or ctx is done (false).
func (s *Store) endOffset(ctx context.Context, topic string, log *zap.Logger) (int64, bool) {
	for {
		end, err := s.listEnd(ctx, topic)
		if err == nil {
			return end, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		log.Warn("look up end offset; retrying", zap.Error(err))
		if !pause(ctx, retryPause) {
			return 0, false
		}
	}
}

func (s *Store) listEnd(ctx context.Context, topic string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := s.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0)}},
	})
	if err != nil {
		return 0, err
	}
	for _, p := range res.Topics[topic] {
		if p.Partition != 0 {
			continue
		}
		if p.Error != nil {
			return 0, p.Error
		}
		if p.LastOffset <= p.FirstOffset {
			return 0, nil // nothing to read
		}
		return p.LastOffset, nil
	}
	return 0, fmt.Errorf("no partition 0 in the answer for %s", topic)
}

// apply puts one record into the view, as its topic's ledger decides, and
// moves the applied offset.
func (s *Store) apply(topic string, m kafka.Message, log *zap.Logger) {
	var rec record
	var err error
	if topic == s.cfg.HooksTopic {
		rec, err = decodeHookRecord(m.Key, m.Value, s.cfg.CheckURL)
	} else {
		rec, err = decodeRecipientRecord(m.Key, m.Value)
	}
	switch {
	case err != nil:
		s.problem(topic, m.Offset, 0, ProblemSkipped, safeReason(err), log)
	case rec.repair == repairNormalized:
		s.problem(topic, m.Offset, rec.id, ProblemURLNormalized, "the URL was not in its normal form (a record written before URLs were normalized): loaded normalized", log)
	case rec.repair == repairRefused:
		s.problem(topic, m.Offset, rec.id, ProblemURLRefused, "the URL is refused by the URL rules or the SSRF guard: the hook is listed, and deliveries to it will fail until it is deleted or disabled", log)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.put(topic, s.ledgers[topic].apply(rec.id, rec.client, m.Offset, rec.origin, rec.deleted, rec.obj))
	}
	s.applied[topic] = m.Offset
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

// pause waits d or until ctx is done (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
