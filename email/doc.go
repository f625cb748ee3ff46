// Package email turns dead letters (postload.dlq) and failed loads
// (load-failed) into emails to the account's enabled recipients, sent over
// SMTP or written as .eml files to an outbox directory.
//
// It owns the folding windows and the sending loop, and guarantees:
//
//   - A handler returns nil only once an email covering its record was
//     accepted by the SMTP server (or written to the outbox), or when the
//     record was deliberately skipped and counted (the account has no enabled
//     recipient). So an offset committed after a nil return is never lost.
//   - The first dead letter of a hook is mailed at once. Further dead letters
//     of that hook within Config.DigestWindow are folded into one digest sent
//     when the window closes; every folded record is counted in that digest,
//     and its handler waits until the digest was sent.
//   - A hook_gone dead letter (the receiver answered 410) gets its own email,
//     once per hook per window, saying the hook was disabled and how to
//     re-enable it. hook_disabled dead letters are only counted in digests.
//   - Failed loads are collected per account for Config.FailedLoadWindow from
//     the first one, then mailed as one email listing every affected table.
//   - A failed send is retried with exponential backoff until it succeeds or
//     Run stops: an SMTP outage delays emails, it never loses them. A record
//     whose email was not sent makes its handler return an error (ctx.Err()
//     or ErrStopped), so it is redelivered; duplicates are possible, loss is
//     not.
//   - When Run's context ends, every open window is closed and its email sent
//     within Config.FlushTimeout; Run returns after every goroutine it started
//     has exited.
package email
