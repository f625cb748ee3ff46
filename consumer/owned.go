package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// OwnPartitions runs this process's member of consumer group id, reading
// topics, for a caller that owns its partitions whole: it reads each one
// itself (Follow), in offset order, and commits when it chooses. Where a
// Group hands messages to a handler concurrently, here the caller decides
// everything between the assignment and the commit.
//
// For each generation that assigns this member partitions, own runs (in
// a goroutine of the generation) with them: topic → partition → the offset
// to read from (the committed one; negative when nothing is committed:
// the partition's first record), and commit, which commits an offset of
// one of them. ctx ends when the generation does (a rebalance, or
// OwnPartitions' own ctx); own must then give the partitions up and
// return. The member joins the next generation only once own has
// returned, and Kafka assigns the partitions to another member only once
// every member has joined it or was dropped after rebalance, so two
// members never own a partition at once while both reach Kafka: set
// rebalance above the longest own takes to return. session is the group
// session: how soon a dead member's partitions move.
//
// OwnPartitions returns nil once ctx ended, after own returned and the
// member left the group.
func (c *Client) OwnPartitions(ctx context.Context, id string, topics []string, session, rebalance time.Duration,
	own func(ctx context.Context, assigned map[string]map[int]int64, commit func(topic string, partition int, offset int64) error)) error {
	log := c.cfg.Log.With(zap.String("group", id))
	cfg := groupConfig(id, c.cfg.Brokers, topics, session, rebalance, c.cfg.Timeout, c.cfg.Log)
	err := generations(ctx, cfg, log, func(gen *kafka.Generation) {
		assigned, n := map[string]map[int]int64{}, 0
		for topic, parts := range gen.Assignments {
			assigned[topic] = map[int]int64{}
			for _, a := range parts {
				assigned[topic][a.ID] = a.Offset
				n++
			}
		}
		log.Info("joined consumer group", zap.Int32("generation", gen.ID), zap.Int("partitions", n))
		if n == 0 {
			return
		}
		commit := func(topic string, partition int, offset int64) error {
			return gen.CommitOffsets(map[string]map[int]int64{topic: {partition: offset}})
		}
		gen.Start(func(ctx context.Context) { own(ctx, assigned, commit) })
	})
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", id, err)
	}
	return nil
}
