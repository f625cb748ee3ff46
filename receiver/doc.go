// Package receiver is a small HTTPS webhook receiver for trying postload
// out, in the spirit of the "listen" commands of webhook platforms. It backs
// `postload receive`.
//
// Run generates a fresh ECDSA P-256 self-signed certificate for localhost,
// 127.0.0.1, ::1 and the listen host, writes it (never the key) as PEM to
// Config.CertFile so that `postload serve --ca-file` can trust it, and
// serves HTTPS (TLS 1.2 or later) until its context is done.
//
// Every request is printed to Config.Out as one block, never interleaved
// with another: time, method and path, every header sorted by name
// (Authorization values redacted), the body (indented when it is JSON), and,
// when Config.Secret is set, whether its Standard Webhooks signature is
// valid and if not why. The block is written before the response is sent,
// so a client that got its answer can read its block. Every request is
// answered with Config.Status, whatever its signature, so that a user can
// watch how postload treats failures; a body over 1 MiB is refused with 413.
//
// The key lives only in memory: each Run has a new certificate, and a
// postload serve that trusted the previous one must be restarted with the
// new file. Run returns only after the server has shut down and every
// goroutine it started has exited.
package receiver
