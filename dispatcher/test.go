package dispatcher

import (
	"context"
	"fmt"

	"github.com/oklog/ulid/v2"
	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// A send test (SendTest) is marked so that its receiver can tell it from a
// real delivery: its event id starts with TestEventPrefix (so its
// webhook-id is "test_<ULID>.<hook id>") and it carries the header
// TestHeader: true.
const (
	TestEventPrefix = "test_"
	TestHeader      = "Webhook-Test"
)

// SendTest sends hook h one sample post-load webhook (schema.SampleLoadEvent's
// payload, a load of every row), signed with the hook's secrets like a real
// delivery and marked as a test, and returns what came of it. It makes one
// attempt, never retried and never handed on, whether the hook is enabled
// or not.
//
// It goes through send, as every attempt does: the SSRF guard of the
// client, the endpoint's bulkhead and breaker. A test counts towards the
// breaker like any attempt (a failure it got is evidence of the URL's
// health, and a success closes a half-open breaker), and an endpoint whose
// breaker is open (or whose slots are all taken) refuses it without a
// request: the result is then "skipped" with the guard's error. The
// returned error is only ctx's, when it ended before an answer came (the
// test sent nothing, or was cut short and not counted).
func (d *Dispatcher) SendTest(ctx context.Context, h schema.Hook) (schema.LoggedAttempt, error) {
	now := d.now()
	eventID := TestEventPrefix + ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String()
	ev, err := schema.DecodeLoadEvent(schema.SampleLoadEvent(eventID, h.ClientID, h.DestinationID, false, now))
	if err != nil {
		return schema.LoggedAttempt{}, fmt.Errorf("sample event: %w", err) // a bug: SampleLoadEvent makes valid events
	}
	req := Request{URL: h.Config.URL, WebhookID: schema.WebhookID(ev.EventID, h.ID), Body: ev.Payload, Number: 1, EventID: ev.EventID, Test: true}
	for _, secret := range h.Config.Secrets(now) {
		s, err := NewSigner(secret)
		if err != nil {
			d.cfg.Log.Error("hook has a bad signing secret; not signing the test with it", zap.Int64("hook_id", h.ID), zap.Error(err))
			continue
		}
		req.Signers = append(req.Signers, s)
	}
	out := d.send(ctx, h, req)
	if !out.Result.Counts() && ctx.Err() != nil {
		return schema.LoggedAttempt{}, ctx.Err()
	}
	return testResult(h, req, out), nil
}

// testResult is what a test came to, for its caller: as the delivery log
// has it, but an attempt the endpoint refused without a request for
// being saturated is skipped too.
func testResult(h schema.Hook, req Request, out Outcome) schema.LoggedAttempt {
	outcome := schema.LoggedSkipped
	switch {
	case out.Result == Delivered:
		outcome = schema.LoggedDelivered
	case out.Result.RequestSent():
		outcome = schema.LoggedFailed
	}
	return attemptRecord(h, Redact(h.Config.URL), req, out, outcome)
}
