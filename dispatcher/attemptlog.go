package dispatcher

import "github.com/postload/postload/schema"

// AttemptLog is told of each attempt for the delivery log. Log must not
// block: a delivery never waits for the log (attemptlog.Writer queues the
// record, or drops and counts it when its queue is full). It is called
// concurrently.
type AttemptLog interface {
	Log(schema.LoggedAttempt)
}

// logged is what the delivery log records of a Result; "" for one that is
// not an attempt (deferred, interrupted, withdrawn), which is not logged.
func (r Result) logged() string {
	switch r {
	case Delivered:
		return schema.LoggedDelivered
	case Failed, Gone:
		return schema.LoggedFailed
	case Skipped:
		return schema.LoggedSkipped
	}
	return ""
}

// logAttempt tells the AttemptLog of out, the attempt req to h (whose URL
// the log shows as endpoint: Redact's), if out is an attempt.
func (d *Dispatcher) logAttempt(h schema.Hook, endpoint string, req Request, out Outcome) {
	outcome := out.Result.logged()
	if d.cfg.AttemptLog == nil || outcome == "" {
		return
	}
	d.cfg.AttemptLog.Log(attemptRecord(h, endpoint, req, out, outcome))
}

// attemptRecord is the delivery log's record of out, the attempt req to h
// (its EventID and Test), which came to outcome.
func attemptRecord(h schema.Hook, endpoint string, req Request, out Outcome, outcome string) schema.LoggedAttempt {
	return schema.LoggedAttempt{
		EventID: req.EventID, HookID: h.ID, ClientID: h.ClientID, Attempt: out.Attempt.Number,
		At: out.Attempt.StartedAt, DurationMS: out.Attempt.DurationMS, Outcome: outcome,
		Status: out.Attempt.Status, Response: out.Response, Error: out.Attempt.Error,
		Endpoint: endpoint, Test: req.Test,
	}
}

// logSkipped tells the AttemptLog of the attempt out of the deliveries
// of f to h, which the breaker refused (a tier's fast path, passOpen): one
// record for them all, under the first one's event id.
func (d *Dispatcher) logSkipped(h schema.Hook, f schema.Forward, out Outcome) {
	if d.cfg.AttemptLog == nil {
		return
	}
	a := attemptRecord(h, Redact(h.Config.URL), Request{EventID: f.FirstEventID()}, out, schema.LoggedSkipped)
	if f.Deliveries > 1 {
		a.Deliveries = f.Deliveries
	}
	d.cfg.AttemptLog.Log(a)
}
