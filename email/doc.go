// Package email turns dead letters (postload.dlq) and failed loads
// (load-failed) into emails to the account's enabled recipients, sent over
// SMTP or written as .eml files to an outbox directory.
//
// It owns what the email role does with the partitions it owns (its
// consumer group is Config.Kafka's OwnPartitions: consumer.Client in
// production), the folding windows, the state topic that keeps them, and
// the sending loop. It reaches Kafka only through Config.Kafka (the
// interface Kafka).
//
// # Ownership
//
// The group (Config.GroupID) consumes Config.DeadLetterTopic, keyed by
// client id, and Config.FailedLoadsTopic, which holds the failed loads
// Forward re-keyed by client id (load-failed is keyed by whatever the
// loader chose, so one account's failed loads would otherwise spread over
// partitions). So every dead letter of a hook and every failed load of an
// account is in one partition, and the process that owns that partition
// owns the hook's or the account's window: exactly one process, also
// across instances. A process gives up a partition (rebalance, shutdown)
// before Kafka assigns it to another, and stops sending its emails first.
//
// # State
//
// Windows and the emails they owe live in the compacted one-partition
// Config.StateTopic, keyed by the input partition that owns them (see
// state.go), and are read back whole whenever partitions are assigned. A
// record is folded in memory, the changed windows and any email it is owed
// are written to the state topic (acknowledged by every in-sync replica),
// and only then is its offset committed: a record is never committed
// before its fold is in Kafka, and no window lives only in memory or in an
// uncommitted offset. A record delivered again (a crash between that write
// and the commit) is recognised by its offset (each window remembers the
// highest one it folded, per source partition) and counted once.
//
// An email is owed (in the state topic) before the record that causes it
// is committed, sent only after that, and marked sent (a tombstone) once
// the SMTP server accepted it or its outbox file was written. Every email
// has a stable ID derived from its record or window (letterID): its
// Message-ID is <ID@From's domain> and its outbox file <Date>-<ID>.eml,
// the same for every attempt and every owner.
//
// # Guarantees
//
//   - No email is lost: a restart, a kill -9 or a rebalance leaves every
//     open window and every owed email in Kafka for the partition's next
//     owner, which continues the windows (closing them at their original
//     end, or at once if that passed) and sends what is owed.
//   - No email is sent twice, with one exception: if the process dies, or
//     cannot reach Kafka (the mark is retried while it owns the partition,
//     which it gives up when its group session fails), between the SMTP
//     server's acceptance of an email and the write of its mark, the next
//     owner sends that email again, with the same Message-ID, so a mail
//     system that drops repeated Message-IDs shows it once. In the outbox
//     the file is written again under the same name.
//   - The first dead letter of a hook is mailed at once. Further dead
//     letters of that hook within Config.DigestWindow are folded into one
//     digest sent when the window closes; every folded record is counted in
//     it, with the requests sent and the attempts the open circuit breaker
//     skipped.
//   - A hook_gone dead letter (the receiver answered 410) gets its own
//     email, once per hook per window, saying the hook was disabled and how
//     to re-enable it. hook_disabled dead letters are only counted in
//     digests.
//   - An auto-disable notice (Notice, on Config.FailedLoadsTopic, keyed by
//     client id; autodisable.Tracker sends it) gets one email per hook and
//     failing streak (its failing_since), mailed at once: a notice sent
//     again, by a second instance or after a restart, is not mailed again.
//   - Failed loads are collected per account for Config.FailedLoadWindow
//     from the first one, then mailed as one email listing every affected
//     table: one email per account per window, whichever partitions of
//     load-failed they came from.
//   - A failed send is retried with exponential backoff; an SMTP outage
//     delays emails, it never loses them. A message the server refuses
//     MaxMessageAttempts times (while other mail goes through) is given up,
//     logged and counted in Stats.Rejected.
//   - An account without an enabled recipient gets nothing: the record is
//     logged and counted in Stats.SkippedNoRecipient.
//   - Shutdown never waits for a window: Run gives its partitions up,
//     waiting only for an email being sent at that moment (at most
//     Config.SendTimeout) and a write to Kafka under way (at most
//     Config.KafkaTimeout each), and returns after every goroutine it
//     started has exited.
//   - Bounds: a partition fetches at most 256 records ahead and folds at
//     most 1000 per step; the emails queued are those owed by the owned
//     partitions' hooks and accounts (at most three per window).
//
// Windows are in processing time: they open when the first record is
// folded, and Config.Clock tells the time (tests move it by hand).
package email
