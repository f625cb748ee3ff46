// Package httpapi serves the account API over HTTP: the hook and notification
// recipient calls (compatible with the Connect API) and the dead-letter
// calls, all under BasePath. It owns what is HTTP about them and nothing
// else: the bearer token → account check, decoding and checking request
// bodies, the JSON replies and the documented error bodies, routing, and
// the rules every call follows. The registry (hook.Store) and the
// dead-letter queue (dlq.Queue) do the work, through the small interfaces
// of ports.go.
//
// It guarantees, for every call (docs/contract.md is the reference):
//
//   - 401 {"error":"Unauthorized"} with WWW-Authenticate without a valid
//     bearer token; then 503 {"error":"ServiceUnavailable"} with
//     Retry-After: 1 until the registry has caught up; request bodies over
//     64 KiB answer 413 {"error":"RequestEntityTooLarge"}.
//   - A path it does not serve answers 404 {"error":"NotFound"}; a method
//     that /hooks, /hooks/{id}, /custom-emails or /custom-emails/{id} does
//     not serve answers 405 {"error":"MethodNotAllowed"} with Allow, both
//     without a token. An {id} that is not a positive decimal, or not a
//     live object of the account, is 404.
//   - Kafka failures answer 503 and are logged with the method, path and
//     account; a token, the Authorization header or a hook URL is never
//     logged.
//   - Dead-letter replays run one at a time per Server; a second waits.
//
// To add a call, add a route to a resource's routes (hooks.go) or a file
// with a resource of its own and list it in New (server.go).
package httpapi
