package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/internal/websession"
)

// topicNames are every topic postload uses, with the prefix applied.
type topicNames struct {
	Completed, Rejected, Failed string
	Retry                       []string
	DLQ, Invalid                string
	Hooks, Recipients, IDs      string
	Replayed                    string
	// EmailFailed holds the failed loads the email role re-keyed by
	// client id; EmailState its windows and owed emails (compacted).
	EmailFailed, EmailState string
	// Attempts is the delivery log (attemptlog), partitioned by hook id.
	Attempts string
	// Sessions are the console's and the operator view's sign-ins
	// (websession), compacted.
	Sessions string
}

func newTopicNames(prefix string, retries int) topicNames {
	return topicNames{
		Completed:  prefix + "load-completed",
		Rejected:   prefix + "load-rejected",
		Failed:     prefix + "load-failed",
		Retry:      dispatcher.RetryTopicNames(prefix, retries),
		DLQ:        prefix + "postload.dlq",
		Invalid:    prefix + "postload.invalid",
		Hooks:      prefix + "postload.hooks",
		Recipients: prefix + "postload.recipients",
		IDs:        prefix + "postload.ids",
		Replayed:   prefix + "postload.replayed",

		EmailFailed: prefix + "postload.email-failed-loads",
		EmailState:  prefix + "postload.email-windows",
		Attempts:    prefix + attemptlog.DefaultTopic,
		Sessions:    prefix + websession.DefaultTopic,
	}
}

// specs are the topics to create when missing. Data topics get the
// retention asked for; those that carry load events, or records that carry
// them (retry tiers, dead letters, invalid records), take the records
// written about events of up to maxEventBytes (see dispatcher.RecordBytes)
// in batches as the writer makes them; the registry's topics are
// compacted and single partition (their order matters, their size is
// small).
func (t topicNames) specs(partitions int, retention time.Duration, retentionBytes int64, maxEventBytes int) []consumer.Topic {
	events := append([]string{t.Completed, t.Rejected, t.DLQ, t.Invalid}, t.Retry...)
	maxMessage := consumer.TopicMaxMessageBytes(dispatcher.RecordBytes(maxEventBytes))
	var out []consumer.Topic
	for _, name := range events {
		out = append(out, consumer.Topic{Name: name, Partitions: partitions, RetentionTime: retention, RetentionBytes: retentionBytes, MaxMessageBytes: maxMessage})
	}
	for _, name := range []string{t.Failed, t.EmailFailed} {
		out = append(out, consumer.Topic{Name: name, Partitions: partitions, RetentionTime: retention, RetentionBytes: retentionBytes})
	}
	for _, name := range []string{t.Hooks, t.Recipients, t.IDs, t.Replayed, t.EmailState, t.Sessions} {
		out = append(out, consumer.Topic{Name: name, Partitions: 1, Compacted: true})
	}
	return out
}

// readers are the data topics a consumer group of postload reads, each with
// its group (as roleRunners names them). postload.invalid is read by none.
func (t topicNames) readers(group string) []embedded.Topic {
	out := []embedded.Topic{
		{Name: t.Completed, Groups: []string{group}},
		{Name: t.Rejected, Groups: []string{group}},
		{Name: t.Failed, Groups: []string{group + ".email-failed"}},
		{Name: t.DLQ, Groups: []string{group + ".email"}},
		{Name: t.EmailFailed, Groups: []string{group + ".email"}},
	}
	for _, r := range t.Retry {
		out = append(out, embedded.Topic{Name: r, Groups: []string{group + ".retry"}})
	}
	return out
}

// toolWriter is the writer of the commands other than serve (produce, dlq
// replay), which write an event or a record about one: it takes records
// about events of up to the default --max-event-bytes, as the topics
// postload creates do.
func toolWriter(brokers []string, log *zap.Logger) *consumer.Writer {
	return consumer.NewSizedWriter(brokers, dispatcher.RecordBytes(dispatcher.DefaultMaxEventBytes), log)
}

// ensureTopics creates the topics that are missing, within 30 s, and warns
// of each existing one whose max.message.bytes is below what it would be
// created with: records about events near --max-event-bytes would be
// refused for it (and their hand-off retried) until it is raised.
func ensureTopics(ctx context.Context, brokers []string, specs []consumer.Topic, log *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := consumer.EnsureTopics(ctx, brokers, specs); err != nil {
		return err
	}
	small, err := consumer.SmallTopics(ctx, brokers, specs)
	if err != nil {
		log.Warn("could not check the topics' max.message.bytes", zap.Error(err))
	}
	for _, t := range specs {
		if n, ok := small[t.Name]; ok {
			log.Warn("topic takes smaller records than --max-event-bytes needs: raise its max.message.bytes, or records about large events are refused",
				zap.String("topic", t.Name), zap.Int("max_message_bytes", n), zap.Int("needed", t.MaxMessageBytes))
		}
	}
	return nil
}
