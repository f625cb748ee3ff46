// Package consumer owns postload's use of Kafka: consumer groups whose
// partitions are processed concurrently with per-partition commit
// watermarks, the writer that publishes records, and topic creation.
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
//     they hand their work on), commits what is finished, and returns.
//   - Records the broker deleted (retention, DeleteRecords) before the group
//     read them, below the offset it had committed or reached, are not
//     skipped in silence: each skip is logged at error level with its
//     offsets and counted in Stats.SkippedByRetention.
package consumer
