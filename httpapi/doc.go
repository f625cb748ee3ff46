// Package httpapi serves the account API over HTTP: the hook and
// notification recipient calls (compatible with the Connect API), the
// dead-letter calls and the delivery log's attempts call, all under
// BasePath. It owns what is HTTP about them
// and nothing else: the bearer token → account check, reading and checking
// request bodies and queries, the JSON replies and the documented error
// bodies, routing, and the rules every call follows. The registry
// (hook.Store), the dead-letter queue (dlq.Queue) and the delivery log's
// index (attemptlog.Index) do the work, through
// the small interfaces of ports.go, which cmd/postload fills in.
//
// It answers byte for byte as docs/contract.md documents:
//
//   - Every answer is JSON (Content-Type application/json, with
//     Content-Length).
//   - Every call checks first the token (401 {"error":"Unauthorized"}
//     with WWW-Authenticate), then the registry's readiness (503
//     {"error":"ServiceUnavailable"} with Retry-After: 1 until it has
//     caught up). A hook or recipient call then checks the path's {id}
//     (404 unless a positive decimal), the body (413
//     {"error":"RequestEntityTooLarge"} over 64 KiB, else 400 with the
//     call's documented body), the object (404 unless a live object of
//     the account), then does the work; a dead-letter call checks the
//     hook (404 unless a live hook of the account) before its query or
//     body.
//   - A path it does not serve answers 404 {"error":"NotFound"}; a method
//     that /hooks, /hooks/{id}, /custom-emails or /custom-emails/{id} does
//     not serve answers 405 {"error":"MethodNotAllowed"} with Allow, both
//     without a token.
//   - Kafka failures answer 503 and are logged with the method, path and
//     account; a token or the Authorization header is never logged.
//   - Dead-letter replays run one at a time per Server; a second waits.
//   - A send test (POST /hooks/{id}/test, test.go) runs one at a time per
//     hook and Server; a second one while it is under way answers 429.
//
// A call is a route (server.go) of a resource: hooks.go, recipients.go,
// deadletters.go, attempts.go, test.go. To add one, add a route to its resource's list, or a
// file with a new resource and its routes, listed in New.
package httpapi
