// Package consumer owns postload's use of Kafka: consumer groups whose
// partitions are processed concurrently with per-partition commit
// watermarks (Group), the writer that publishes records (Writer), and the
// Client through which every other package reaches Kafka. No other
// package imports the Kafka client library; each names what it uses of
// Client in an interface of its own (hook.Kafka, dlq.Kafka, email.Kafka),
// whose methods take and give only standard types, and cmd/postload wires
// a Client in.
//
// The Client does each of these once: the spans and offsets of
// partitions (Spans, LogStart, After), a consumer group's commits beside
// them (GroupOffsets: its lag), reading a range of a partition (Fetch,
// ReadRange: plain fetch requests, one response held), following
// a partition from an offset to its end and on (Follow: the one reader
// configuration), appending a batch to a partition and getting its offset
// (Produce), creating topics (EnsureTopics, EnsureCompacted), and consumer
// groups whose member owns its partitions whole (OwnPartitions: the email
// role's). kafka-go's log lines reach zap through one adapter.
//
// Where things are: a Group (group.go) joins the consumer group and starts
// a partition (partition.go) per assignment, as franz-go's pconsumer; a
// partition makes passes (pass.go) from its committed offset, each with a
// fetch loop (fetch.go) that takes in-flight slots (slots.go) before it
// fetches and holds messages at the Gate, hands messages to the group's
// worker pool (internal/workers), finishes them in any order (watermark.go)
// and commits with the progress beyond the watermark (commit.go,
// progress.go) to the coordinator (offsetstore.go). It reaches kafka-go's
// Reader and the coordinator through two small interfaces (reader,
// offsetStore) and waits on an injected clock (internal/clock), so its
// tests run it on fakes. Poison (poison.go) wraps a Handler: a message
// whose error wraps schema.ErrInvalid goes to the invalid topic as a
// schema.Invalid record (schema.PutInvalid) and is finished.
//
// Settings: ClientConfig (client.go), GroupConfig (config.go) and
// PoisonConfig (poison.go) state each field's default, exported as a
// Default constant that cmd/postload's flags use; a zero field stands for
// it, and Validate says what to fix in a config as given (for a group,
// also that DrainTimeout stays below SessionTimeout).
//
// Guarantees:
//   - An offset is committed only after every earlier message of its
//     partition is finished (its handler returned nil): at-least-once,
//     never at-most-once.
//   - Each commit carries, in the offset's metadata, what is finished
//     beyond the offset: messages finished out of order, and the items a
//     handler reported finished (Message.Finish) of messages in flight. A
//     worker that takes the partition over skips those messages and tells
//     the handler those items (Message.Finished); when its predecessor did
//     not stop in order, the messages it may have touched since its last
//     commit are marked suspect, with the time its records may date from
//     (Message.Suspect), so that a handler can look for them (Scanner).
//   - In-flight messages are bounded per partition and per group; when a
//     bound is reached the partition stops fetching (backpressure).
//   - The Writer refuses a record larger than it was made for, and reports
//     one the broker refuses for its size, as a *TooLargeError (never
//     retried: it cannot succeed). Topics made with TopicMaxMessageBytes
//     take every batch it writes; records larger than a fetch are read
//     whole.
//   - On shutdown or rebalance a partition stops fetching, lets in-flight
//     handlers finish within DrainTimeout (then cancels their context, so
//     they hand their work on), commits what is finished, and returns. The
//     last commit is marked clean only when no handler was cancelled.
//   - A poison message (Poison) is finished only once its invalid record is
//     in Kafka; a record too large is cut to fit, never refused for good.
//   - Follow never gives up on Kafka: a failed lookup or fetch is logged
//     and retried (1 s, doubling up to 30 s), from where it was. Produce
//     appends its records all or none, acknowledged by every in-sync
//     replica. OwnPartitions lets a member join the next generation only
//     once its owner gave the last one's partitions up.
//   - Records the broker deleted (retention, DeleteRecords) before the group
//     read them, below the offset it had committed or reached, are not
//     skipped in silence: each skip is logged at error level with its
//     offsets and counted in Stats.SkippedByRetention.
package consumer
