package email

import "sync/atomic"

// Stats are the Sender's counters since New, for metrics.
type Stats struct {
	// Sent counts emails accepted by the SMTP server or written to the outbox.
	Sent int64
	// SendFailures counts failed attempts to send an email (each is retried).
	SendFailures int64
	// Folded counts dead letters folded into a digest instead of mailed on
	// their own.
	Folded int64
	// SkippedNoRecipient counts records (dead letters and failed loads) not
	// mailed because the account had no enabled recipient.
	SkippedNoRecipient int64
	// Pending is the number of emails owed by the partitions this process
	// owns, waiting to be sent (a gauge).
	Pending int64
	// Refolded counts records delivered again (after a restart, or
	// forwarded twice) that had been counted already, so were not again.
	Refolded int64
	// Partitions is the number of input partitions this process owns (a
	// gauge).
	Partitions int64
	// Rejected counts emails given up after MaxMessageAttempts refusals of
	// that message (not of the server: an outage is retried without end).
	Rejected int64
}

type counters struct {
	sent, failures, folded, skipped, rejected, refolded atomic.Int64
}

// Stats returns the current counters; it is safe to call at any time.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	pending, owned := int64(len(s.queue)), int64(len(s.owned))
	s.mu.Unlock()
	return Stats{
		Sent:               s.stats.sent.Load(),
		SendFailures:       s.stats.failures.Load(),
		Folded:             s.stats.folded.Load(),
		SkippedNoRecipient: s.stats.skipped.Load(),
		Pending:            pending,
		Rejected:           s.stats.rejected.Load(),
		Refolded:           s.stats.refolded.Load(),
		Partitions:         owned,
	}
}
