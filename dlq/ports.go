package dlq

import (
	"context"

	"github.com/postload/postload/schema"
)

// Hooks answers what a hook is now: disabled ones included, false once it
// is deleted. *hook.Store satisfies it.
type Hooks interface {
	Hook(id int64) (schema.Hook, bool)
}

// Publisher publishes one record and returns once the broker has it (acked
// by the in-sync replicas). *consumer.Writer satisfies it.
type Publisher interface {
	Publish(ctx context.Context, topic string, key, value []byte) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, topic string, key, value []byte) error

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, topic string, key, value []byte) error {
	return f(ctx, topic, key, value)
}
