// Package attemptlog owns the delivery log: a record of every attempt the
// dispatcher makes (schema.LoggedAttempt), on a Kafka topic of its own
// (DefaultTopic, postload.attempts), in the partition of its hook id, and an in-memory
// index of each hook's recent attempts that the API answers from.
//
// The Writer is the dispatcher's AttemptLog. Its Log never blocks: it puts
// the record on a bounded queue (WriterConfig.QueueSize) and returns; when
// the queue is full the record is dropped and counted (Stats.Dropped), so
// a delivery never waits on the log, and the log may miss attempts while
// Kafka is slower than the deliveries. Run writes the queue in batches:
// what is queued, up to MaxBatchBytes, one produce request per partition,
// and in it the partition's attempts packed into Kafka records of one
// attempt per line, up to maxPack (64 KiB) each: Kafka's work, and the
// index's reading, is per record.
// A hook's records go to partition hookID mod partitions, so one hook's
// attempts are in one partition in the order they were logged (per
// process; attempts of one hook made by two processes interleave as they
// were written). A batch whose write fails is retried for WriteTimeout,
// then dropped and counted (Stats.Failed). On shutdown (Run's ctx ends)
// it writes what is queued within FlushTimeout. A write that timed out
// but reached Kafka is retried, so a record may be written twice (the
// Index keeps its attempts once).
//
// The Index reads every partition of the topic from its first record at
// start, then follows it: it is Ready once it has read what the topic
// held when Run began. It keeps per hook at most PerHook attempts (the
// oldest by start time go first) and, all hooks together, at most
// MaxBytes of memory. An attempt is kept as its line of the record,
// copied into a block of lines, and an entry (its position, account and
// where its line is), neither with a pointer, so what the index holds
// costs the garbage collector next to nothing; a page decodes its
// attempts again. Blocks go whole, the oldest read first, when MaxBytes
// is reached. An attempt read twice (a follow that started again) or
// written twice is kept once. Queries (Attempts) are answered from
// memory, newest first (by start time, then by place in the topic), in
// pages with opaque cursors that stay valid across restarts and
// processes: a cursor is the place of the last attempt of its page, in
// the topic (partition, offset, line).
//
// Both reach Kafka through the interface Kafka (kafka.go);
// *consumer.Client is one.
package attemptlog
