// Package dispatcher turns a load event into webhook requests: it finds the
// account's enabled hooks for the event's destination, makes one attempt per
// hook (signed per Standard Webhooks, the payload byte for byte as it
// arrived), and hands every failed attempt on to the retry tiers. It also
// makes the attempts of the retry tiers and writes the dead letters.
//
// What an attempt came to is one Result (outcome.go), whose meaning
// (whether it counts as an attempt, whether a request was sent, where the
// delivery goes next, whether it may travel in a group) is one table; place
// (handoff.go) turns it into the tier or dead letter that follows, as
// docs/retries.md's decision table has it (TestRetryDecisionTable). The
// records it writes are made by schema (NewDelivery, Delivery.Next and
// Again, DeadLetter, Forward.Next, WebhookID, RecordKey); the breaker and
// bulkhead of each hook URL are endpoint.go's. Each attempt that counts
// (delivered, failed, skipped by the breaker, also on a tier's fast path)
// is told to Config.AttemptLog, the delivery log, with the first
// schema.MaxLoggedResponse bytes of the response (attemptlog.go); one that
// does not (deferred, interrupted, withdrawn) is not.
//
// Settings: Config (config.go), EndpointConfig (endpoint.go) and
// ClientConfig (client.go) state each field's default, exported as a
// Default constant that cmd/postload's flags use; a zero field stands for
// it, and Validate says what to fix in a config as given: the breaker's
// failure ratio in (0,1], at most MaxRetries tiers (a record holds
// schema.MaxAttempts attempts), an event limit from MinEventBytes to
// MaxEventBytes.
//
// Guarantees: a handler returns nil only when every hook of the event has
// either received the webhook (2xx) or has a record on the next retry tier
// or the dead-letter topic; a malformed message (or an event larger than
// MaxEventBytes) is published to the invalid topic with the reason and its
// bytes before it counts as finished, cut to its first bytes only when the
// whole does not fit a record, which the record then says. Every record it
// writes takes at most RecordBytes(MaxEventBytes).
package dispatcher
