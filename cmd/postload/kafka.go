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

// kafkaParts are the Kafka serve runs on.
type kafkaParts struct {
	brokers []string
	// client is the Kafka client of everything but the groups' own
	// fetching: the registry, the DLQ routes, the email role, takeovers,
	// retention.
	client *consumer.Client
	// logReader follows the delivery log (the api role's index): its
	// fetches wait for logFollowBytes of records, or logFollowWait, so
	// that a busy log is read in a few large fetches rather than one per
	// batch the writers make, and an attempt reaches the console at most
	// logFollowWait late.
	logReader *consumer.Client
	topics    topicNames
	trim      runner // the embedded broker's retention; nil with --brokers
}

// How the delivery log is followed (kafkaParts.logReader).
const (
	logFollowBytes = 64 << 10
	logFollowWait  = 500 * time.Millisecond
)

// startKafka starts the embedded broker unless cfg has brokers, makes the
// client, creates the topics that are missing and, embedded, takes the
// retention of the data topics over; cl closes what it started. It
// returns nil and no error when ctx ended meanwhile.
func startKafka(ctx context.Context, cfg serveConfig, cl *closers, log *zap.Logger) (*kafkaParts, error) {
	k := &kafkaParts{brokers: cfg.Brokers, topics: newTopicNames(cfg.TopicPrefix, len(cfg.RetryDelays))}
	var cluster *kfake.Cluster
	if cfg.embedded() {
		var err error
		if cluster, err = embedded.Start(cfg.embeddedConfig()); err != nil {
			return nil, err
		}
		cl.add(cluster.Close) // last: everything else has stopped
		k.brokers = cluster.ListenAddrs()
		log.Info("embedded Kafka broker running", zap.Strings("addr", k.brokers), zap.String("data_dir", cfg.DataDir))
	}
	client, err := consumer.NewClient(consumer.ClientConfig{Brokers: k.brokers, Log: log.Named("kafka")})
	if err != nil {
		return nil, err
	}
	k.client = client
	cl.add(client.Close) // after everything that uses it has stopped
	if k.logReader, err = consumer.NewClient(consumer.ClientConfig{Brokers: k.brokers, Log: log.Named("kafka"),
		MaxWait: logFollowWait, FollowMinBytes: logFollowBytes}); err != nil {
		return nil, err
	}
	cl.add(k.logReader.Close)
	specs := k.topics.specs(cfg.Partitions, cfg.Retention, cfg.RetentionBytes, cfg.MaxEventBytes)
	if !cfg.NoDeliveryLog {
		specs = append(specs, cfg.attemptsTopic(k.topics))
	}
	err = ensureTopics(ctx, k.brokers, specs, log)
	if err == nil && cluster != nil {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		k.trim, err = embeddedRetention(tctx, cluster, k, cfg, log)
		cancel()
	}
	if ctx.Err() != nil {
		return nil, nil // stopped while starting
	}
	if err != nil {
		return nil, fmt.Errorf("%w (are the brokers %v reachable?)", err, k.brokers)
	}
	return k, nil
}
