// Package console is the web console for an account: its hooks (with
// their state and their endpoint's breaker state), one hook's page (its
// dead letters with replay, and the delivery log, send test and
// auto-disable sections when their sources are given), and its
// notification recipients. It is server-rendered HTML from html/template
// files embedded in the binary, with one CSS file and one small script
// (copying a secret, the delivery log's live updates) served from the
// binary too: no build step, no CDN, and every page and action works
// without JavaScript.
//
// With a delivery log (AttemptLog), the hooks page shows each hook's last
// attempt and its success rate over the last hour (delivered ÷
// (delivered + failed) of the attempts started in the last 60 minutes;
// skipped ones apart), and a hook's page its attempts (filtered, paged)
// and two charts of the last hour, drawn here as inline SVG (charts.go).
// GET hooks/{id}/live serves that section alone, with the page's filter,
// under the page's rules; console.js fetches it every 2 s on the first
// page, so that new attempts show without a reload.
//
// It owns what is HTML about these, and nothing else: the registry
// (hook.Store), the dead-letter queue (dlq.Queue) and the optional
// sources do the work, through the small interfaces of ports.go, which
// cmd/postload fills in. A nil optional source hides its section.
//
// Guarantees:
//
//   - Sign-in is with an API token of the token file, the API's. The
//     token never goes into a cookie or a URL: the session cookie
//     (HttpOnly, SameSite=Strict, Path=/console/, Secure when the request
//     came over TLS) carries a random 256-bit session id. The session is
//     kept on a compacted topic (Config.Sessions, websession.Store) under
//     the SHA-256 of its id, with the SHA-256 of its token: every instance
//     knows every session, and a restart keeps them. Sessions are bounded
//     (Config.MaxSessions; the one expiring first is ended to make room)
//     and last Config.SessionTTL. A token removed from the token file ends
//     its sessions at their next request. An action's notice for the next
//     page is a cookie signed with a key derived from the session id
//     (flash.go), so that another instance can show it.
//   - Every change is a POST that carries the session's CSRF token (a
//     random 256-bit value per session, in a hidden field, compared in
//     constant time): without it, 403. Every POST, sign-in included, also
//     passes net/http's CrossOriginProtection (Sec-Fetch-Site and Origin),
//     so a cross-site form cannot sign someone in either.
//   - Every answer has a Content-Security-Policy that allows only the
//     console's own script and style (no inline ones), no framing
//     (frame-ancestors 'none' and X-Frame-Options: DENY), and pages are
//     not cached. Every value is escaped by html/template.
//   - The API's rules: no session is 401 (the sign-in page), then a change
//     without the CSRF token 403, then a registry that has not caught up
//     503; a hook or recipient that is not a live one of the account
//     (another account's included) is 404, as is any path it does not
//     serve. Creating a hook or a recipient checks what the API checks and
//     shows the API's messages ("Invalid URI", the limits).
//   - A dead-letter replay is offered after a dry run that shows its
//     counts; the replay covers the dead letters the dry run counted (dead
//     before it ran). Replays run one at a time per Server.
//   - Logs carry the method, route and account of a failure, never a
//     token, a secret or a hook URL.
package console
