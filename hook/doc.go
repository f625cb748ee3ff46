// Package hook owns the registry of post-load hooks and notification email
// recipients, and the HTTP API (compatible with the Connect API) through
// which accounts manage them.
//
// The registry is the materialized view of two compacted, one-partition
// Kafka topics: postload.hooks and postload.recipients, keyed by the decimal
// id, whose values are schema.Hook and schema.Recipient JSON. A Store reads
// both from the start, keeps following them, and serves every query from
// memory. It guarantees:
//
//   - Ids are positive, unique across accounts and instances and never
//     reused, also across restarts: an id is one plus the offset of a record
//     produced to the one-partition topic postload.ids. A delete writes the
//     object with deleted_at set (never a tombstone).
//   - Read your writes: a write returns only after this Store has applied
//     its own record, so a GET after a POST on the same instance sees it.
//   - A change made through another instance is applied here within about
//     a second (Config.MaxWait plus a round trip).
//   - Ready reports that both topics were read up to the end offset they had
//     when Run started; until then answers may be incomplete and writes fail
//     with ErrUnavailable.
//   - Limits: at most MaxHooks hooks and MaxRecipients recipients per
//     account (deleted ones do not count). Writes of one account are
//     serialized on an instance; two instances creating for the same
//     account at the same moment may each pass the check.
//   - Concurrent changes to the same object through different instances
//     resolve as last write wins, the same for every instance and after a
//     restart.
//   - A record that cannot be decoded is skipped with a warning; the Store
//     never stops because of one.
//
// The API (NewHandler) answers exactly as the Connect API documents: JSON
// bodies, the documented error bodies, 404 for another account's ids. It
// never logs a token or the Authorization header.
package hook
