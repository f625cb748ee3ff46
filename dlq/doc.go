// Package dlq watches and replays the dead-letter queue (postload.dlq):
// deliveries that failed every attempt, one schema.DeadLetter per record,
// keyed by client id.
//
// It reaches Kafka through Config.Kafka (the interface Kafka;
// consumer.Client in production).
//
// It owns reading the DLQ (Scan, Stats, List, Tail), putting dead letters
// back as fresh deliveries (Replay), and the replay markers on
// ReplayedTopic; Queue binds them to one configuration for the account
// API's dead-letter calls (package httpapi). The CLI (cmd/postload:
// postload dlq stats|list|tail|replay) and the API server wire it in; it
// reads no flags and starts no long-lived component of its own.
//
// Guarantees:
//
//   - A dead letter's id is "<partition>-<offset>": unique and stable while
//     the record is kept. Records that do not decode are skipped, counted
//     and logged, never fatal.
//   - Scan, Stats, List and Replay read a snapshot: every partition from its
//     start to the end offset it had when they began, so their work is
//     bounded even while dead letters keep coming; memory is one fetch
//     (about 1 MiB, or one record batch when a dead letter of a large
//     event makes it larger) per partition. They return in dead_at order,
//     merged across partitions.
//   - List, Stats and the API say how many of a dead letter's attempts sent
//     a request (requests_sent) and how many the open circuit breaker
//     skipped (attempts_skipped), counted from its attempts with
//     schema.CountAttempts, never stored.
//   - Tail follows every partition from its end without a consumer group
//     (nothing is committed) and returns only after each of its goroutines
//     has exited. A failed fetch does not end it: Config.Kafka retries it
//     (and logs it).
//   - Replay publishes a fresh delivery (attempt 1, due now, same event
//     bytes, so the same webhook-id "<event_id>.<hook id>") to the first
//     retry tier, and only once the broker has it writes the dead letter's
//     replay marker (key = its id) to the compacted ReplayedTopic. A dead
//     letter with a marker is never replayed again; a crash between the two
//     writes can replay it twice, never zero times: replays are
//     at-least-once, and receivers dedupe on webhook-id. Within one replay,
//     dead letters of the same event and hook are replayed once. Replays
//     running at the same time may replay the same dead letters; the API
//     runs them one at a time per process.
//   - Replay skips a dead letter whose hook is deleted or now another
//     account's ("hook deleted") or disabled ("hook disabled"); the retry
//     consumer attempts a replayed one at once, to the hook's current URL.
package dlq
