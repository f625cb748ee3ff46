// Package schema holds the messages postload reads and writes: the load
// event and load failure that the loader puts on Kafka, and every record the
// service writes itself (retry records, dead letters, invalid-message
// records, hooks and recipients). Each has a JSON Schema (draft 2020-12)
// embedded from this folder and a Go type beside it; schema imports no other
// package of the project.
//
// It also owns a retry record's whole life (record.go): a new delivery
// (NewDelivery), the record after a failed attempt (Delivery.Next, and
// Forward.Next for a tier that hands a record on without decoding its
// events), the same attempt again (Delivery.Again), its dead letter
// (Delivery.DeadLetter), groups of deliveries (NewGroup, Group.Split), the
// webhook-id (WebhookID), the record key (RecordKey) and the encoding
// (EncodeRecord). Every writer of retry records goes through them.
//
// A Decode function accepts a message only if it is valid UTF-8, one JSON
// value, within the number limits (at most 100 characters and an exponent
// of at most ±400, which keeps validation cheap) and valid against its
// schema, with date-time and email formats asserted, and no object in it,
// at any depth, repeats a member name (compared as decoded: "client_id"
// and "client\u005fid" are one name; readers disagree on which of two
// values counts). Otherwise its error
// wraps ErrInvalid and its text is the reason to record on the invalid
// topic: one line of at most 500 bytes, the same for the same input.
//
// Guarantees:
//   - LoadEvent.Payload is the payload's bytes exactly as they arrived.
//   - The load event's envelope, and every record the service writes, is
//     closed: an unknown property is refused, so no key can reach a Go field
//     through encoding/json's case-insensitive matching without being
//     checked. The payload is open: loaders add fields and they are passed
//     on.
//   - A date-time is checked with the parser time.Time uses, so schema and
//     Go type agree on times. (They differ on integers written as 1.0 or
//     1e2: the schema accepts them, the Go decoder refuses them, and the
//     reason starts with "decode:".)
//   - A retry record's or dead letter's Event is itself a valid load event.
//   - An invalid record is made (NewInvalid) and written (PutInvalid) here
//     for every writer of postload.invalid: it keeps the first 1 KiB of the
//     key and the whole value when it fits the writer's limit, else as many
//     first bytes as fit, its reason saying how many of how many.
//   - The schemas are compiled once, on first use; the Decode functions
//     are safe for concurrent use.
package schema
