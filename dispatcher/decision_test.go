package dispatcher

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// oneHook is a registry of one hook, which SetHookEnabled changes.
type oneHook struct {
	mu      sync.Mutex
	h       schema.Hook
	deleted bool
}

var _ Hooks = (*oneHook)(nil)

func (o *oneHook) Match(clientID, destinationID int64) []schema.Hook {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.deleted || !o.h.Enabled() || o.h.ClientID != clientID || o.h.DestinationID != destinationID {
		return nil
	}
	return []schema.Hook{o.h}
}

func (o *oneHook) Hook(id int64) (schema.Hook, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.h, id == o.h.ID && !o.deleted
}

func (o *oneHook) SetHookEnabled(_ context.Context, _, _ int64, enabled bool) (schema.Hook, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.h.DisabledAt = nil
	if !enabled {
		o.h.DisabledAt = new(time.Now().UTC())
	}
	return o.h, nil
}

// published is a Publisher keeping every record with its topic and key.
type published struct {
	mu   sync.Mutex
	recs []publishedRecord
}

type publishedRecord struct {
	topic      string
	key, value []byte
}

var _ Publisher = (*published)(nil)

func (p *published) Publish(_ context.Context, topic string, key, value []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recs = append(p.recs, publishedRecord{topic, key, value})
	return nil
}

// decisionCase is what a row of the decision table sets up: the receiver
// and how the dispatcher reaches it, the hook, and the handler's ctx.
type decisionCase struct {
	rc        *webhooktest.Receiver
	url       string
	untrusted bool          // the sender does not trust the receiver's certificate
	timeout   time.Duration // the attempt timeout
	hooks     *oneHook
	ctx       context.Context
	// prepare runs once the dispatcher is made, before the attempt.
	prepare func(t *testing.T, d *Dispatcher)
}

// decisionDelays are the tiers of the decision table: r1, r2, r3, so
// attempt 4 is the last.
var decisionDelays = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}

func (c *decisionCase) dispatcher(t *testing.T, pub Publisher) *Dispatcher {
	t.Helper()
	var trust []*webhooktest.Receiver
	if !c.untrusted {
		trust = append(trust, c.rc)
	}
	d, err := New(Config{RetryTopics: []string{"r1", "r2", "r3"}, RetryDelays: decisionDelays, DLQTopic: "dlq",
		Endpoints: EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour, MaxConcurrent: 1, SlotWait: 50 * time.Millisecond}},
		c.hooks, pub, mustSender(t, c.timeout, trust...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// decisionEvent is the event of every row, for hook 7 of account 1.
var decisionEvent = schema.SampleLoadEvent("ev-table", 1, 2, false, time.Now())

// handle makes attempt n of the delivery: the first from the event, a
// later one from its record on tier n-1, which holds n-1 failed attempts.
func (c *decisionCase) handle(t *testing.T, d *Dispatcher, n int) error {
	t.Helper()
	if n == 1 {
		return d.HandleEvent(c.ctx, Source{Topic: "load-completed"}, decisionEvent)
	}
	dl := schema.NewDelivery(string(decisionEvent), 7, time.Now().UTC())
	for i := 1; i < n; i++ {
		dl = dl.Next(schema.Attempt{Number: i, StartedAt: time.Now().UTC(), DurationMS: 3, Status: 500, Error: "HTTP 500 Internal Server Error"}, time.Now().UTC())
	}
	b, err := schema.EncodeRecord(dl)
	if err != nil {
		t.Fatal(err)
	}
	return d.HandleRetry(c.ctx, Source{Topic: d.cfg.RetryTopics[n-2]}, b)
}

// Setups of the rows.

func answer(status int, header ...string) func(*testing.T, *decisionCase) {
	return func(_ *testing.T, c *decisionCase) {
		c.rc.Respond(func(w http.ResponseWriter, _ *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
		})
	}
}

func refusedConnection(_ *testing.T, c *decisionCase) { c.rc.Close() }

func untrustedCertificate(_ *testing.T, c *decisionCase) { c.untrusted = true }

func noResponse(_ *testing.T, c *decisionCase) {
	c.timeout = 200 * time.Millisecond
	c.rc.Answer(func(_ int, r *http.Request) int { <-r.Context().Done(); return webhooktest.NoAnswer })
}

func breakerOpen(_ *testing.T, c *decisionCase) {
	c.prepare = func(t *testing.T, d *Dispatcher) {
		done, err := d.endpoints.get(c.url, 7).acquire(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		done(false, true) // one failure of one attempt: open for an hour
	}
}

// saturated holds the endpoint's one slot, with no request finishing.
func saturated(_ *testing.T, c *decisionCase) {
	c.prepare = func(t *testing.T, d *Dispatcher) {
		done, err := d.endpoints.get(c.url, 7).acquire(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { done(true, false) })
	}
}

// interrupted ends the handler's ctx (a shutdown past the drain deadline)
// while the receiver holds the request.
func interrupted(t *testing.T, c *decisionCase) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c.ctx = ctx
	c.rc.Answer(func(_ int, r *http.Request) int { cancel(); <-r.Context().Done(); return webhooktest.NoAnswer })
}

// interruptedWaiting ends the handler's ctx while its attempt waits for a
// slot of a saturated endpoint.
func interruptedWaiting(t *testing.T, c *decisionCase) {
	saturated(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.ctx = ctx
}

func hookDisabled(_ *testing.T, c *decisionCase) { c.hooks.h.DisabledAt = new(time.Now().UTC()) }

func hookDeleted(_ *testing.T, c *decisionCase) { c.hooks.deleted = true }

// decisionRow is a row of the decision table: an attempt, how the
// receiver or the endpoint answers it, and what must be written.
type decisionRow struct {
	name    string
	attempt int // the attempt made: 1 from the event, n from tier n-1
	setup   func(*testing.T, *decisionCase)
	// want
	topic     string           // the one record written: r1..r3, dlq; "" none
	next      int              // the attempt the retry record waits for
	due       [2]time.Duration // due_at - the attempt's time, from..to
	appended  bool             // the attempt made is in the record's attempts
	skipped   bool             // ... marked skipped
	errHas    string           // the record's (last attempt's) error
	reason    string           // the dead letter's
	noRequest bool             // the receiver got no request
	disabled  bool             // the hook is disabled
}

// The decision table of docs/retries.md (The attempt; Retry-After; the
// failure cases of a hook disabled or deleted), one row for each of its
// rows, from the receiver's answer to the record written: its topic, the
// attempt it waits for, when it is due (from the attempt), whether the
// attempt was appended to the delivery's attempts, and a dead letter's
// reason. Tiers: r1 1 s, r2 5 s, r3 30 s; attempt 4 is the last.
func TestRetryDecisionTable(t *testing.T) {
	const s, ms = time.Second, time.Millisecond
	retryAfterDate := func(_ *testing.T, c *decisionCase) {
		answer(429, "Retry-After", time.Now().Add(4*s).UTC().Format(http.TimeFormat))(nil, c)
	}
	type d2 = [2]time.Duration
	for _, tt := range []decisionRow{
		{"2xx: delivered, nothing follows", 1, answer(204), "", 0, d2{}, false, false, "", "", false, false},
		{"3xx (not followed): next tier", 1, answer(302, "Location", "/x"), "r1", 2, d2{s, s + 10*ms}, true, false, "HTTP 302", "", false, false},
		{"4xx: next tier", 1, answer(404), "r1", 2, d2{s, s + 10*ms}, true, false, "HTTP 404", "", false, false},
		{"5xx: next tier", 2, answer(500), "r2", 3, d2{5 * s, 5*s + 50*ms}, true, false, "HTTP 500", "", false, false},
		{"Retry-After within its tier's delay: that tier, after it", 1, answer(503, "Retry-After", "1"), "r1", 2, d2{s, s}, true, false, "HTTP 503", "", false, false},
		{"Retry-After longer than its tier's: the first tier covering it", 1, answer(429, "Retry-After", "3"), "r2", 2, d2{3 * s, 3 * s}, true, false, "HTTP 429", "", false, false},
		{"Retry-After as an HTTP date", 1, retryAfterDate, "r2", 2, d2{3 * s, 4 * s}, true, false, "HTTP 429", "", false, false},
		{"Retry-After longer than every tier's: the longest, after its delay", 2, answer(503, "Retry-After", "3600"), "r3", 3, d2{30 * s, 30 * s}, true, false, "HTTP 503", "", false, false},
		{"Retry-After of another status: ignored", 1, answer(500, "Retry-After", "3"), "r1", 2, d2{s, s + 10*ms}, true, false, "HTTP 500", "", false, false},
		{"410 Gone: hook disabled, dead letter hook_gone", 2, answer(410), "dlq", 0, d2{}, true, false, "HTTP 410", schema.ReasonHookGone, false, true},
		{"connection refused: next tier", 1, refusedConnection, "r1", 2, d2{s, s + 10*ms}, true, false, "refused", "", false, false},
		{"TLS error: next tier", 3, untrustedCertificate, "r3", 4, d2{30 * s, 30*s + 100*ms}, true, false, "certificate", "", false, false},
		{"no response within the attempt timeout: next tier", 1, noResponse, "r1", 2, d2{s, s + 10*ms}, true, false, "no response within 200ms", "", false, false},
		{"breaker open: a skipped attempt, next tier", 1, breakerOpen, "r1", 2, d2{s, s + 10*ms}, true, true, ErrBreakerOpen.Error(), "", true, false},
		{"breaker open, from a tier (handed on undecoded): next tier", 2, breakerOpen, "r2", 3, d2{5 * s, 5*s + 50*ms}, true, true, ErrBreakerOpen.Error(), "", true, false},
		{"endpoint saturated: deferred to the first tier, after its delay", 1, saturated, "r1", 1, d2{s, s}, false, false, "endpoint saturated", "", true, false},
		{"endpoint saturated: deferred to the tier it came from", 3, saturated, "r2", 3, d2{5 * s, 5 * s}, false, false, "endpoint saturated", "", true, false},
		{"interrupted: back on the first tier, due at once", 1, interrupted, "r1", 1, d2{0, 0}, false, false, "context canceled", "", false, false},
		{"interrupted: back on the tier it came from, due at once", 3, interrupted, "r2", 3, d2{0, 0}, false, false, "context canceled", "", false, false},
		{"interrupted waiting for a slot: back on its tier, due at once", 2, interruptedWaiting, "r1", 2, d2{0, 0}, false, false, "context canceled", "", true, false},
		{"last attempt failed: dead letter retries_exhausted", 4, answer(500), "dlq", 0, d2{}, true, false, "HTTP 500", schema.ReasonRetriesExhausted, false, false},
		{"last attempt, breaker open: dead letter retries_exhausted", 4, breakerOpen, "dlq", 0, d2{}, true, true, ErrBreakerOpen.Error(), schema.ReasonRetriesExhausted, true, false},
		{"hook disabled while waiting: dead letter hook_disabled", 2, hookDisabled, "dlq", 0, d2{}, false, false, "HTTP 500", schema.ReasonHookDisabled, true, true},
		{"hook deleted while waiting: dropped", 2, hookDeleted, "", 0, d2{}, false, false, "", "", true, false},
	} {
		t.Run(tt.name, tt.run)
	}
}

// run makes the row's attempt and checks what was written.
func (tt decisionRow) run(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	c := &decisionCase{rc: rc, url: rc.URL, timeout: 5 * time.Second, ctx: context.Background(),
		hooks: &oneHook{h: schema.Hook{ID: 7, ClientID: 1, DestinationID: 2, Config: schema.HookConfig{URL: rc.URL}}}}
	tt.setup(t, c)
	var pub published
	d := c.dispatcher(t, &pub)
	if c.prepare != nil {
		c.prepare(t, d)
	}
	before := time.Now()
	if err := c.handle(t, d, tt.attempt); err != nil {
		t.Fatalf("handling attempt %d: %v", tt.attempt, err)
	}
	after := time.Now()
	pub.mu.Lock()
	recs := pub.recs
	pub.mu.Unlock()
	if tt.topic == "" {
		if len(recs) != 0 {
			t.Fatalf("%d records written (the first on %s), want none", len(recs), recs[0].topic)
		}
	} else {
		tt.checkRecord(t, recs, before, after)
	}
	if tt.noRequest && rc.Count() != 0 {
		t.Errorf("the receiver got %d requests, want none", rc.Count())
	}
	if h, _ := c.hooks.Hook(7); h.Enabled() == tt.disabled {
		t.Errorf("hook enabled %v, want %v", h.Enabled(), !tt.disabled)
	}
}

// checkRecord checks the one record of an attempt made between before and
// after.
func (tt decisionRow) checkRecord(t *testing.T, recs []publishedRecord, before, after time.Time) {
	t.Helper()
	if len(recs) != 1 || recs[0].topic != tt.topic || string(recs[0].key) != "1" {
		var topics []string
		for _, r := range recs {
			topics = append(topics, r.topic+" key "+string(r.key))
		}
		t.Fatalf("records written: %v; want one on %s, key 1 (the client id)", topics, tt.topic)
	}
	var attempts []schema.Attempt
	var errText string
	if tt.reason != "" {
		l, err := schema.DecodeDeadLetter(recs[0].value)
		if err != nil {
			t.Fatal(err)
		}
		if l.Reason != tt.reason || l.EventID != "ev-table" || l.Hook.ID != 7 {
			t.Errorf("dead letter %s for %s, hook %d; want %s for ev-table, hook 7", l.Reason, l.EventID, l.Hook.ID, tt.reason)
		}
		attempts = l.Attempts
		if len(attempts) > 0 {
			errText = attempts[len(attempts)-1].Error
		}
	} else {
		dl, err := schema.DecodeDelivery(recs[0].value)
		if err != nil {
			t.Fatal(err)
		}
		attempts, errText = dl.Attempts, dl.Error
		if dl.Attempt != tt.next {
			t.Errorf("the record waits for attempt %d, want %d", dl.Attempt, tt.next)
		}
		if from, to := before.Add(tt.due[0]), after.Add(tt.due[1]); dl.DueAt.Before(from) || dl.DueAt.After(to) {
			t.Errorf("due %v after the attempt began (it took %v), want %v to %v", dl.DueAt.Sub(before), after.Sub(before), tt.due[0], tt.due[1])
		}
	}
	tt.checkAttempts(t, attempts, errText)
}

// checkAttempts checks the attempts a record holds and its error.
func (tt decisionRow) checkAttempts(t *testing.T, attempts []schema.Attempt, errText string) {
	t.Helper()
	want := tt.attempt - 1
	if tt.appended {
		want++
	}
	if len(attempts) != want {
		t.Fatalf("%d attempts recorded, want %d (appended: %v)", len(attempts), want, tt.appended)
	}
	if tt.appended {
		last := attempts[len(attempts)-1]
		if last.Number != tt.attempt || last.Skipped != tt.skipped || last.RequestSent() == tt.skipped {
			t.Errorf("the attempt recorded: %+v; want number %d, skipped %v", last, tt.attempt, tt.skipped)
		}
	}
	if !strings.Contains(errText, tt.errHas) {
		t.Errorf("error %q, want it to contain %q", errText, tt.errHas)
	}
}
