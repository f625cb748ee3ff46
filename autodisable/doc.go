// Package autodisable disables a hook whose every attempt has failed for a
// long time, and has its account's recipients told once.
//
// A Tracker is fed the delivery log's records (schema.LoggedAttempt), in
// the order of the log, through Observe: the follower of the attempts
// topic (Follow) in production, tests directly. Per hook it keeps the
// failing streak: the first failed attempt since the last delivered one,
// how many failed since, the last error. The rules:
//
//   - A failed attempt (a request was sent and got no 2xx, or no answer)
//     extends the streak; a delivered one ends it. An attempt the breaker
//     or bulkhead refused without a request (skipped) neither extends nor
//     ends it: it says nothing about the receiver. A send test (Test)
//     is not counted either: auto-disable judges deliveries.
//   - A hook is disabled once its streak is Config.After old (from its
//     first failed attempt to the attempt observed, or to the clock's now
//     when no attempt comes) and holds at least Config.MinFailures failed
//     attempts. Only then: while the history is read back at start
//     (before CaughtUp), nothing is decided, so a later delivery in the
//     log still ends the streak.
//   - A change of the hook after the streak began (enabled again, its
//     secret rotated: its modified_at) starts the period anew from that
//     change; a hook disabled by hand, or deleted, is left alone.
//
// It disables through the registry (Registry.AutoDisableHook), whose log
// decides: the hook's record says auto_disabled {at, failing_since,
// failed_attempts, last_error}, which the API shows. Then it hands the
// Notifier a schema.AutoDisableNotice, which the email role turns into one
// email to the account's enabled recipients (email.Notice).
//
// Exactly one email: every instance that runs a Tracker reads the same log
// and decides about the same streak, and each one whose registry shows the
// hook auto-disabled for that streak (failing_since) sends the notice; the
// email role mails one email per hook and failing_since, and forgets none.
// A crash between the disable and the notice is mended at the next start:
// the history read back gives the same streak, the registry shows the hook
// auto-disabled for it, and the notice is sent again (and mailed once).
// That holds while the attempts topic keeps the streak's records.
//
// Bounds: one streak per failing hook that still exists (a deleted hook's
// streak is dropped at the next sweep), and one pending decision per
// streak.
package autodisable
