package email

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
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
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:             s.cfg.GroupID,
		Brokers:        s.cfg.Brokers,
		Topics:         []string{s.cfg.DeadLetterTopic, s.cfg.FailedLoadsTopic},
		StartOffset:    kafka.FirstOffset,
		SessionTimeout: s.cfg.SessionTimeout,
		// Giving a partition up waits for an email being sent (SendTimeout)
		// and its mark, and for a state write under way (KafkaTimeout).
		RebalanceTimeout:      s.cfg.SendTimeout + 2*s.cfg.KafkaTimeout + 5*time.Second,
		HeartbeatInterval:     3 * time.Second,
		JoinGroupBackoff:      time.Second,
		WatchPartitionChanges: true,
		Timeout:               s.cfg.KafkaTimeout,
		ErrorLogger:           kafkaLogger(s.cfg.Log.Named("group")),
	})
	if err != nil {
		return fmt.Errorf("email: consumer group %s: %w", s.cfg.GroupID, err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = cg.Close() // ends the generation: waits until its partitions are given up
	}()
	defer func() { <-stopped }()

	log := s.cfg.Log.With(zap.String("group", s.cfg.GroupID))
	for {
		gen, err := cg.Next(ctx)
		if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
			return nil
		}
		if err != nil {
			log.Warn("joining consumer group", zap.Error(err))
			continue // kafka-go backs off before the next attempt
		}
		n := 0
		for _, parts := range gen.Assignments {
			n += len(parts)
		}
		log.Info("joined consumer group", zap.Int32("generation", gen.ID), zap.Int("partitions", n))
		if n > 0 {
			gen.Start(func(ctx context.Context) { s.runGeneration(ctx, gen) })
		}
	}
}

// runGeneration reads the state topic, then owns each assigned partition
// until the generation ends.
func (s *Sender) runGeneration(ctx context.Context, gen *kafka.Generation) {
	states, ok := s.readState(ctx)
	if !ok {
		return
	}
	var wg sync.WaitGroup
	for topic, parts := range gen.Assignments {
		for _, a := range parts {
			src := partition{topic, a.ID}
			commit := func(offset int64) error {
				return gen.CommitOffsets(map[string]map[int]int64{topic: {a.ID: offset}})
			}
			p := s.newPart(src, states[src], commit)
			wg.Go(func() { p.run(ctx, a.Offset) })
		}
	}
	wg.Wait()
}

// readState reads the whole state topic, retrying until it succeeds or
// ctx ends (false). It runs after the previous owners of the partitions
// gave them up, so it sees everything they wrote.
func (s *Sender) readState(ctx context.Context) (map[partition]*partState, bool) {
	log := s.cfg.Log.With(zap.String("topic", s.cfg.StateTopic))
	pause := kafkaPause
	for {
		recs, err := s.state.readAll(ctx)
		if err == nil {
			states := parseState(recs, func(key string, err error) {
				log.Warn("skipping a state record that does not decode", zap.String("key", key), zap.Error(err))
			})
			log.Info("email state read", zap.Int("records", len(recs)))
			return states, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		log.Warn("reading the email state; retrying", zap.Duration("after", pause), zap.Error(err))
		if !sleep(ctx, pause) {
			return nil, false
		}
		pause = min(2*pause, kafkaPauseMax)
	}
}
