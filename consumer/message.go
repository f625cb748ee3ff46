package consumer

import (
	"context"
	"time"
)

// Message is one Kafka record handed to a Handler.
type Message struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Time      time.Time

	progress *progress // the partition worker's; nil outside one
}

// Finished reports whether item of this message was finished by an
// earlier handling of it, in this process or in one that stopped before
// the message was finished (a crash, a drain deadline): the handler skips
// it. Items are the handler's to name; the dispatcher names an event's
// hooks by id and a group record's deliveries by index.
func (m Message) Finished(item int64) bool {
	return m.progress != nil && m.progress.finished(m.Offset, item)
}

// Suspect reports whether this message may have been handled, in part,
// by a worker that died less than CommitInterval after doing so, without a
// record of it in the progress (see Finished): such a handling wrote its
// records, if any, at or after since. A handler that can find its own
// records (the dispatcher: retry records and dead letters) looks before
// doing an item again.
func (m Message) Suspect() (since time.Time, ok bool) {
	if m.progress == nil {
		return time.Time{}, false
	}
	return m.progress.suspect(m.Offset)
}

// Finish records that item of this message is finished. It goes out with
// the partition's next commit (within CommitInterval), so that a handling
// of the message after a crash skips it. Safe for concurrent use.
func (m Message) Finish(item int64) {
	if m.progress != nil {
		m.progress.finish(m.Offset, item)
	}
}

// Handler finishes one message. It returns nil once the message is finished
// (delivered, or handed on to another topic). A non-nil error leaves the
// offset uncommitted: the partition drains, commits what came before, and
// fetches the message again after a backoff (1 s doubling to 30 s), without
// a rebalance of the group. Handle is called concurrently, also for messages
// of one partition.
type Handler interface {
	Handle(ctx context.Context, m Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) error { return f(ctx, m) }

// GateFunc is called in offset order before a message is handed to the
// handler, from the partition's fetch loop; while it blocks, the partition
// fetches nothing more. The retry tiers use it to hold the head record
// until it is due. It returns ctx.Err() when ctx ends first.
type GateFunc func(ctx context.Context, m Message) error
