package main

import (
	"time"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
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
	}
}

// specs are the topics to create when missing. Data topics get the
// retention asked for; the registry's topics are compacted and single
// partition (their order matters, their size is small).
func (t topicNames) specs(partitions int, retention time.Duration, retentionBytes int64) []consumer.Topic {
	data := []string{t.Completed, t.Rejected, t.Failed, t.DLQ, t.Invalid, t.EmailFailed}
	data = append(data, t.Retry...)
	var out []consumer.Topic
	for _, name := range data {
		out = append(out, consumer.Topic{Name: name, Partitions: partitions, RetentionTime: retention, RetentionBytes: retentionBytes})
	}
	for _, name := range []string{t.Hooks, t.Recipients, t.IDs, t.Replayed, t.EmailState} {
		out = append(out, consumer.Topic{Name: name, Partitions: 1, Compacted: true})
	}
	return out
}
