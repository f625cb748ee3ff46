// Package dispatcher turns a load event into webhook requests: it finds the
// account's enabled hooks for the event's destination, makes one attempt per
// hook (signed per Standard Webhooks, the payload byte for byte as it
// arrived), and hands every failed attempt on to the retry tiers. It also
// makes the attempts of the retry tiers and writes the dead letters.
//
// Guarantees: a handler returns nil only when every hook of the event has
// either received the webhook (2xx) or has a record on the next retry tier
// or the dead-letter topic; a malformed message (or an event larger than
// MaxEventBytes) is published to the invalid topic with the reason and its
// bytes before it counts as finished, cut to its first bytes only when the
// whole does not fit a record, which the record then says. Every record it
// writes takes at most RecordBytes(MaxEventBytes).
package dispatcher
