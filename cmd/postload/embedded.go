package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/embedded"
)

// startEmbedded starts the in-process Kafka-protocol broker on addr,
// persisting under dataDir/kafka, applying retention every interval. Any
// Kafka client can reach it.
func startEmbedded(addr, dataDir string, interval time.Duration) (*kfake.Cluster, error) {
	return embedded.Start(embedded.Config{Addr: addr, DataDir: dataDir, CleanerInterval: interval})
}

// embeddedRetention takes the deletion of the data topics a consumer group
// reads away from the embedded broker (topics created by earlier versions
// have retention.ms and retention.bytes set) and returns the runner that
// deletes their records once every group has read them and they are past
// --retention or --retention-bytes. postload.invalid, which nobody reads,
// keeps the broker's retention.
func embeddedRetention(ctx context.Context, cluster *kfake.Cluster, brokers []string, kafka *consumer.Client, cfg serveConfig, topics topicNames, log *zap.Logger) (runner, error) {
	read := topics.readers(cfg.Group)
	var names []string
	for _, t := range read {
		names = append(names, t.Name)
	}
	if err := consumer.SetTopicConfigs(ctx, brokers, names, map[string]string{"retention.ms": "-1", "retention.bytes": "-1"}); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	t, err := embedded.NewTrimmer(cluster, embedded.TrimConfig{
		Topics: read, Retention: cfg.Retention, RetentionBytes: cfg.RetentionBytes, Interval: cfg.RetentionInterval,
		Offsets: kafka, Log: log.Named("retention"),
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
