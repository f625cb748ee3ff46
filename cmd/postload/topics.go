package main

import (
	"time"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/embedded"
)

// topicNames are every topic postload uses, with the prefix applied.
type topicNames struct {
	Completed, Rejected, Failed string
	Retry                       []string
	DLQ, Invalid                string
	Hooks, Recipients, IDs      string
	Replayed                    string
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
	}
}

// specs are the topics to create when missing. Data topics get the
// retention asked for; the registry's topics are compacted and single
// partition (their order matters, their size is small).
func (t topicNames) specs(partitions int, retention time.Duration, retentionBytes int64) []consumer.Topic {
	data := []string{t.Completed, t.Rejected, t.Failed, t.DLQ, t.Invalid}
	data = append(data, t.Retry...)
	var out []consumer.Topic
	for _, name := range data {
		out = append(out, consumer.Topic{Name: name, Partitions: partitions, RetentionTime: retention, RetentionBytes: retentionBytes})
	}
	for _, name := range []string{t.Hooks, t.Recipients, t.IDs, t.Replayed} {
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
	}
	for _, r := range t.Retry {
		out = append(out, embedded.Topic{Name: r, Groups: []string{group + ".retry"}})
	}
	return out
}
