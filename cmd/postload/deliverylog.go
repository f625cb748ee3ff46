package main

import (
	"cmp"
	"context"

	"go.uber.org/zap"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/consumer"
)

// deliveryLog is the delivery log's parts in this process: the writer
// where attempts are made (the dispatch or retry role), the index where
// the API or the operator's view runs; nil where they do not, and both with --delivery-log=false.
type deliveryLog struct {
	writer *attemptlog.Writer
	index  *attemptlog.Index
}

// attemptsTopic is postload.attempts as it is created: keyed by hook id,
// its own retention (by the broker, read or not, embedded too: no
// consumer group reads it), records of at most a few KiB.
func (c serveConfig) attemptsTopic(topics topicNames) consumer.Topic {
	return consumer.Topic{
		Name: topics.Attempts, Partitions: c.Partitions,
		RetentionTime:  cmp.Or(c.DeliveryLogRetention, attemptlog.DefaultRetention),
		RetentionBytes: cmp.Or(c.DeliveryLogRetentionBytes, attemptlog.DefaultRetentionBytes),
	}
}

// newDeliveryLog makes the delivery log's parts of cfg's roles.
func newDeliveryLog(cfg serveConfig, k *kafkaParts, log *zap.Logger) (deliveryLog, error) {
	var d deliveryLog
	if cfg.NoDeliveryLog {
		return d, nil
	}
	var err error
	if cfg.Roles.dispatch || cfg.Roles.retry {
		if d.writer, err = attemptlog.NewWriter(attemptlog.WriterConfig{Kafka: k.client, Topic: k.topics.Attempts, Log: log.Named("attempts")}); err != nil {
			return d, err
		}
	}
	if cfg.Roles.api || cfg.OperatorAddr != "" { // the operator's view reads it too
		d.index, err = attemptlog.NewIndex(attemptlog.IndexConfig{Kafka: k.client, Topic: k.topics.Attempts,
			PerHook: cfg.DeliveryLogPerHook, MaxBytes: cfg.DeliveryLogIndexBytes, Log: log.Named("attempts")})
	}
	return d, err
}

// runWriter runs the writer, if any, until stop is called, which returns
// once it has written what it had (within its flush timeout).
func (d deliveryLog) runWriter(ctx context.Context) (stop func()) {
	if d.writer == nil {
		return func() {}
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- d.writer.Run(wctx) }()
	return func() { cancel(); <-done }
}

// noKafka stands for a Kafka client in a config only validated.
type noKafka struct{ attemptlog.Kafka }
