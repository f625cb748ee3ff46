package main

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/embedded"
)

// embeddedRetention takes the deletion of the data topics a consumer group
// reads away from the embedded broker (topics created by earlier versions
// have retention.ms and retention.bytes set) and returns the runner that
// deletes their records once every group has read them and they are past
// --retention or --retention-bytes. postload.invalid, which nobody reads,
// keeps the broker's retention.
func embeddedRetention(ctx context.Context, cluster *kfake.Cluster, k *kafkaParts, cfg serveConfig, log *zap.Logger) (runner, error) {
	read := k.topics.readers(cfg.Group)
	var names []string
	for _, t := range read {
		names = append(names, t.Name)
	}
	if err := consumer.SetTopicConfigs(ctx, k.brokers, names, map[string]string{"retention.ms": "-1", "retention.bytes": "-1"}); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	tc := cfg.trimConfig(read)
	tc.Offsets, tc.Log = k.client, log.Named("retention")
	t, err := embedded.NewTrimmer(cluster, tc)
	if err != nil {
		return nil, err
	}
	return t, nil
}
