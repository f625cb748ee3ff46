// Package operator is the operator's view of a postload deployment: for
// every account at once, the hooks whose circuit breakers are open, the
// dead letters by account and hook per hour, each consumer group's lag,
// and the disabled hooks. It needs no account token: it has a token of
// its own (Config.Token), and serve runs it on a listener of its own
// (--operator-addr), off by default.
//
// It reads the same topics as the rest, through the small interfaces of
// ports.go that cmd/postload fills in: the registry (hook.Store), the
// delivery log's index (attemptlog.Index), the dead-letter queue
// (dlq.Queue) and the groups' committed offsets (consumer.Client). It
// writes nothing.
//
// Guarantees:
//
//   - Breakers are per process, so open breakers are derived from the
//     delivery log, which every process writes: a hook is "open" when a
//     breaker refused its newest attempt in the window (outcome skipped),
//     or refused one since its last delivery and the attempts after
//     failed (a failed probe); "failing" when at least MinRequests
//     requests were sent in the window and FailureRatio or more of them
//     failed. What the log dropped (its queue full) is not seen.
//   - Dead letters are counted by dead_at, per hour, over the last
//     DeadLetterHours hours (the current one included), from one scan of
//     the DLQ (a snapshot, see package dlq). Lag per group and topic is
//     the sum over partitions of end - max(committed, first offset).
//   - The JSON variant (JSONPath) takes the token as a bearer token:
//     without it or with another, 401. The HTML one takes it in a
//     sign-in form; the session cookie (HttpOnly, SameSite=Strict,
//     Path=/operator/, Secure over TLS) carries a random 256-bit id, never
//     the token; the session is on the sessions' topic
//     (Config.Sessions, websession.Store), known to every instance and
//     kept across restarts, with the SHA-256 of the token it signed in
//     with: a session ends where that is not Config.Token (the token was
//     changed). Tokens are
//     compared in constant time. Sign-out is a POST with the session's
//     CSRF token; every POST also passes net/http's
//     CrossOriginProtection. Every answer has a Content-Security-Policy
//     that allows no script, no inline style and no framing; every value
//     is escaped by html/template; the charts are inline SVG drawn on the
//     server.
//   - Endpoints are shown as scheme://host[:port], never a hook URL's
//     path or query; no secret is read into the view. One view is read at
//     a time (reloads wait), each within BuildTimeout.
package operator
