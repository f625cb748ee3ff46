package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/autodisable"
	"github.com/postload/postload/console"
	"github.com/postload/postload/consumer"
	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// deliveryLog is the delivery log's parts in this process: the writer
// where attempts are made (the dispatch or retry role), the index where
// the API or the operator's view runs; nil where they do not, and both with --delivery-log=false.
type deliveryLog struct {
	writer *attemptlog.Writer
	index  *attemptlog.Index
	// auto disables the hooks that only fail, where the index runs;
	// nil with --auto-disable-after 0.
	auto *autodisable.Tracker
}

// attemptsTopic is postload.attempts as it is created: partitioned by hook id,
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
func newDeliveryLog(cfg serveConfig, k *kafkaParts, auto *autodisable.Tracker, log *zap.Logger) (deliveryLog, error) {
	d := deliveryLog{auto: auto}
	if cfg.NoDeliveryLog {
		return d, nil
	}
	var err error
	if cfg.Roles.dispatch || cfg.Roles.retry {
		if d.writer, err = attemptlog.NewWriter(attemptlog.WriterConfig{Kafka: k.client, Topic: k.topics.Attempts, Log: log.Named("attempts")}); err != nil {
			return d, err
		}
	}
	if cfg.readsDeliveryLog() {
		ic := attemptlog.IndexConfig{Kafka: k.logReader, Topic: k.topics.Attempts,
			PerHook: cfg.DeliveryLogPerHook, MaxBytes: cfg.DeliveryLogIndexBytes, Log: log.Named("attempts")}
		if auto != nil {
			ic.Observer = auto // one read of the log serves both
		}
		d.index, err = attemptlog.NewIndex(ic)
	}
	return d, err
}

// readsDeliveryLog reports whether this process keeps the delivery log's
// index: where the API or the operator's view runs.
func (c serveConfig) readsDeliveryLog() bool {
	return !c.NoDeliveryLog && (c.Roles.api || c.OperatorAddr != "")
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

// newAutoDisable makes the tracker of failing hooks where the delivery
// log's index is kept, which feeds it: it disables a hook through the
// registry, and its notice reaches the email role on the failed-loads
// inbox, keyed by account, which the email role mails once per hook and
// failing streak. nil with --auto-disable-after 0.
func newAutoDisable(cfg serveConfig, p *parts, log *zap.Logger) (*autodisable.Tracker, error) {
	if !cfg.readsDeliveryLog() || cfg.AutoDisableAfter == 0 {
		return nil, nil
	}
	notify := autodisable.NotifierFunc(func(ctx context.Context, n schema.AutoDisableNotice) error {
		key, record, err := email.Notice(n)
		if err != nil {
			return err
		}
		return p.writer.Publish(ctx, p.topics.EmailFailed, key, record)
	})
	return autodisable.New(autodisable.Config{After: cfg.AutoDisableAfter, MinFailures: cfg.AutoDisableMinFailures, Log: log.Named("autodisable")}, p.store, notify)
}

// consoleAttempts is the delivery log's index as the console's
// AttemptLog.
type consoleAttempts struct{ index *attemptlog.Index }

var _ console.AttemptLog = consoleAttempts{}

// Attempts answers from the index; console.ErrLogNotReady until it has
// read the topic, console.ErrBadCursor for a cursor it did not give.
func (c consoleAttempts) Attempts(_ context.Context, q console.AttemptQuery) (console.AttemptPage, error) {
	if !c.index.Ready() {
		return console.AttemptPage{}, console.ErrLogNotReady
	}
	page, err := c.index.Attempts(q.ClientID, q.HookID, attemptlog.Query{
		Since: q.Since, Until: q.Until, EventID: q.EventID, Outcome: q.Outcome, Limit: q.Limit, Cursor: q.Cursor,
	})
	if errors.Is(err, attemptlog.ErrBadCursor) {
		return console.AttemptPage{}, fmt.Errorf("%w: %w", console.ErrBadCursor, err)
	}
	return console.AttemptPage{Attempts: page.Attempts, Next: page.Next}, err
}

// consoleAutoDisable is the console's view of auto-disable: a hook's
// failing streak from the tracker, and what the registry says auto-disable
// did to it. Without a tracker (--auto-disable-after 0) it says it is off.
type consoleAutoDisable struct {
	t     *autodisable.Tracker // nil: off
	hooks interface {
		Hook(id int64) (schema.Hook, bool)
	}
}

var _ console.AutoDisable = consoleAutoDisable{}

func (c consoleAutoDisable) AutoDisableState(id int64) (console.AutoDisableState, bool) {
	if c.t == nil {
		return console.AutoDisableState{}, true // After 0: off
	}
	st := console.AutoDisableState{After: c.t.After()}
	if since, n, ok := c.t.Streak(id); ok {
		st.FailingSince, st.FailedAttempts = &since, n
	}
	if h, ok := c.hooks.Hook(id); ok && h.AutoDisabled != nil && h.DisabledAt != nil {
		ad := *h.AutoDisabled
		st.DisabledAt, st.FailingSince, st.FailedAttempts = &ad.At, &ad.FailingSince, ad.FailedAttempts
	}
	return st, st.FailingSince != nil || st.DisabledAt != nil
}
