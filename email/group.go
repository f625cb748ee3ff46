package email

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
)

// runGroup joins the email role's consumer group and owns the partitions
// assigned to this process, one generation at a time, until ctx ends; it
// returns after every partition was given up and the group left.
//
// A generation's partitions are given up before this process joins the
// next one, and Kafka assigns them to another process only once every
// member has joined it (or was dropped after the rebalance timeout, which
// is set above the longest a partition takes to give up). So two processes
// never own a partition at once while both can reach Kafka.
func (s *Sender) runGroup(ctx context.Context) error {
	// Giving a partition up waits for an email being sent (SendTimeout)
	// and its mark, and for a state write under way (KafkaTimeout).
	rebalance := s.cfg.SendTimeout + 2*s.cfg.KafkaTimeout + 5*time.Second
	topics := []string{s.cfg.DeadLetterTopic, s.cfg.FailedLoadsTopic}
	if err := s.kafka.OwnPartitions(ctx, s.cfg.GroupID, topics, s.cfg.SessionTimeout, rebalance, s.runGeneration); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

// runGeneration reads the state topic, then owns each assigned partition
// until the generation ends.
func (s *Sender) runGeneration(ctx context.Context, assigned map[string]map[int]int64, commit func(topic string, partition int, offset int64) error) {
	states, ok := s.readState(ctx)
	if !ok {
		return
	}
	var wg sync.WaitGroup
	for topic, parts := range assigned {
		for id, offset := range parts {
			src := partition{topic, id}
			p := s.newPart(src, states[src], func(off int64) error { return commit(topic, id, off) })
			wg.Go(func() { p.run(ctx, offset) })
		}
	}
	wg.Wait()
}

// readState reads the whole state topic, retrying until it succeeds or
// ctx ends (false). It runs after the previous owners of the partitions
// gave them up, so it sees everything they wrote.
func (s *Sender) readState(ctx context.Context) (map[partition]*partState, bool) {
	log := s.cfg.Log.With(zap.String("topic", s.cfg.StateTopic))
	var recs map[string][]byte
	if !backoff.Retry(ctx, func() (err error) {
		recs, err = s.state.readAll(ctx)
		return err
	}, func(err error, pause time.Duration) {
		log.Warn("reading the email state; retrying", zap.Duration("after", pause), zap.Error(err))
	}) {
		return nil, false
	}
	states := parseState(recs, func(key string, err error) {
		log.Warn("skipping a state record that does not decode", zap.String("key", key), zap.Error(err))
	})
	log.Info("email state read", zap.Int("records", len(recs)))
	return states, true
}
