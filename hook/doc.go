// Package hook owns the registry of post-load hooks and notification email
// recipients; the account API that manages them (package httpapi) calls
// it, and its errors (ErrNotFound, ErrHookLimit, ...) decide the answers.
//
// The registry is the materialized view of two compacted, one-partition
// Kafka topics: postload.hooks and postload.recipients, keyed by the decimal
// id, whose values are schema.Hook and schema.Recipient JSON. A Store reads
// both from the start, keeps following them, and serves every query from
// memory. It reaches Kafka through Config.Kafka (the interface Kafka;
// consumer.Client in production, a fake in tests). It guarantees:
//
//   - Ids are positive, unique across accounts and instances and never
//     reused, also across restarts: an id is one plus the offset of a record
//     produced to the one-partition topic postload.ids. A delete writes the
//     object with deleted_at set (never a tombstone).
//   - Read your writes: a write returns only after this Store has applied
//     its own record, so a GET after a POST on the same instance sees it.
//   - A change made through another instance is applied here within about
//     a second (the Kafka client's fetch wait, consumer.ClientConfig.MaxWait,
//     at most 1 s, plus a round trip).
//   - Ready reports that both topics were read up to the end offset they had
//     when Run started; until then answers may be incomplete and writes fail
//     with ErrUnavailable.
//   - Limits: at most MaxHooks hooks and MaxRecipients recipients per
//     account (deleted ones do not count), across any number of instances.
//     The log decides, not a lock: a record that creates an object is
//     accepted when fewer than the limit of its account's objects were live
//     at its offset, a rule every reader applies alike, before and after
//     compaction (see ledger). A creation writes its record, reads it back
//     and answers from the decision; a refused one gets a tombstone.
//   - Concurrent changes to the same object through different instances
//     resolve as last write wins, the same for every instance and after a
//     restart; but a delete is final: a change written after it is ignored,
//     answered ErrNotFound, and followed by the delete written again.
//   - Hook URLs are in the normal form of egress.NormalizeURL: CreateHook
//     stores that form, and the Store loads a record written before it
//     existed normalized. A record is never dropped in silence: one that
//     cannot be decoded is skipped, one whose URL is refused now is loaded
//     and listed (its deliveries fail until it is deleted or disabled),
//     each logged at error level, counted in Stats and listed by Problems
//     (`postload registry check`). The Store never stops because of one.
package hook
