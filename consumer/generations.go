package consumer

import (
	"context"
	"errors"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// groupConfig is the one configuration of a kafka-go consumer group of
// postload: from the first offset where nothing is committed, partitions
// added to its topics noticed, a heartbeat every 3 s and a second
// between failed joins. rebalance is how long a member may take to give
// its partitions up before it is dropped from the group.
func groupConfig(id string, brokers, topics []string, session, rebalance, timeout time.Duration, log *zap.Logger) kafka.ConsumerGroupConfig {
	return kafka.ConsumerGroupConfig{
		ID:                    id,
		Brokers:               brokers,
		Topics:                topics,
		StartOffset:           kafka.FirstOffset,
		SessionTimeout:        session,
		RebalanceTimeout:      rebalance,
		HeartbeatInterval:     3 * time.Second,
		JoinGroupBackoff:      time.Second,
		WatchPartitionChanges: true,
		Timeout:               timeout,
		ErrorLogger:           kafkaLogger(log.Named("group")),
	}
}

// generations joins the consumer group cfg and calls start with each
// generation until ctx ends, then closes the group, which ends the
// generation and waits for what start started in it (Generation.Start),
// and returns nil. A failed join is logged and tried again (kafka-go backs
// off in between).
func generations(ctx context.Context, cfg kafka.ConsumerGroupConfig, log *zap.Logger, start func(gen *kafka.Generation)) error {
	cg, err := kafka.NewConsumerGroup(cfg)
	if err != nil {
		return err
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = cg.Close() // ends the generation; waits for what it started
	}()
	defer func() { <-stopped }()
	for {
		gen, err := cg.Next(ctx)
		if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
			return nil
		}
		if err != nil {
			log.Warn("joining consumer group", zap.Error(err))
			continue
		}
		start(gen)
	}
}
