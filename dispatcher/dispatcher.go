package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/workers"
	"github.com/postload/postload/schema"
)

// Hooks is the registry as the dispatcher sees it.
type Hooks interface {
	// Match returns the enabled hooks of an account's destination.
	Match(clientID, destinationID int64) []schema.Hook
	// Hook returns a hook by id, disabled or not; false once deleted.
	Hook(id int64) (schema.Hook, bool)
	// SetHookEnabled disables (or enables) a hook for every instance.
	SetHookEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Hook, error)
}

// Publisher writes one record to a topic and returns once Kafka has it.
type Publisher interface {
	Publish(ctx context.Context, topic string, key, value []byte) error
}

// Source is where a message came from.
type Source struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	// Time is the message's timestamp; zero when unknown.
	Time time.Time
	// Progress, if set, remembers the parts of the message already
	// finished: an event's hooks (by id) delivered or handed on, a group
	// record's deliveries (by index). A message handled again after a
	// crash skips them, so that a delivery that succeeded is not attempted
	// again and a hand-off is not written twice.
	Progress Progress
}

// Progress records the finished parts (items) of one message;
// consumer.Message is one.
type Progress interface {
	// Finished reports whether item was finished by an earlier handling.
	Finished(item int64) bool
	// Finish records that item is finished.
	Finish(item int64)
	// Suspect reports whether an earlier handling may have finished items
	// without a record of it (it died first), and since when it may have
	// written records: the dispatcher then looks for them (Traces).
	Suspect() (since time.Time, ok bool)
}

func (s Source) finished(item int64) bool { return s.Progress != nil && s.Progress.Finished(item) }

func (s Source) finish(item int64) {
	if s.Progress != nil {
		s.Progress.Finish(item)
	}
}

// Dispatcher makes the attempts of first deliveries and retries.
type Dispatcher struct {
	cfg       Config
	hooks     Hooks
	pub       Publisher
	sender    *Sender
	endpoints *endpoints
	groups    *grouper
	workers   *workers.Pool
	traces    *traceIndex // nil without Config.Traces
	now       func() time.Time
}

// New returns a Dispatcher.
func New(cfg Config, hooks Hooks, pub Publisher, sender *Sender) (*Dispatcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	d := &Dispatcher{
		cfg: cfg, hooks: hooks, pub: pub, sender: sender,
		endpoints: newEndpoints(cfg.Endpoints, cfg.Log.Named("breaker")),
		workers:   workers.New(4096),
		now:       time.Now,
	}
	d.groups = newGrouper(d.publish)
	if cfg.Traces != nil {
		d.traces = newTraceIndex(cfg.Traces, time.Now, cfg.Log.Named("takeover"))
	}
	return d, nil
}

// Close stops the dispatcher's idle workers. Call it after the last
// Handle* call has returned.
func (d *Dispatcher) Close() { d.workers.Close() }

// HandleEvent delivers a load event (a load-completed or load-rejected
// value) to every enabled hook of its account and destination, concurrently.
// It returns nil once each hook got it or has its retry record; an error
// means some hand-off could not be published and the event must be handled
// again.
func (d *Dispatcher) HandleEvent(ctx context.Context, src Source, value []byte) error {
	if len(value) > d.cfg.MaxEventBytes {
		return d.Invalid(ctx, src, value, fmt.Errorf("event of %d bytes is larger than the %d-byte limit", len(value), d.cfg.MaxEventBytes))
	}
	ev, err := schema.DecodeLoadEvent(value)
	if err != nil {
		return d.Invalid(ctx, src, value, err)
	}
	hooks := d.hooks.Match(ev.ClientID, ev.DestinationID)
	if len(hooks) == 0 {
		return nil
	}
	errs := make([]error, len(hooks))
	var wg sync.WaitGroup
	wg.Add(len(hooks) - 1)
	for i, h := range hooks[1:] {
		d.workers.Go(func() {
			defer wg.Done()
			errs[i+1] = d.first(ctx, src, ev, value, h)
		})
	}
	errs[0] = d.first(ctx, src, ev, value, hooks[0]) // this goroutine takes one
	wg.Wait()
	return errors.Join(errs...)
}

// first makes attempt 1 of one event to one hook, unless an earlier
// handling of the event finished it, and records it as finished once it was
// delivered or handed on.
func (d *Dispatcher) first(ctx context.Context, src Source, ev schema.LoadEvent, raw []byte, h schema.Hook) error {
	if src.finished(h.ID) {
		return nil
	}
	if done, err := d.handedOn(ctx, src, h.ClientID, ev.EventID, h.ID, 1); err != nil || done {
		if done {
			src.finish(h.ID)
		}
		return err
	}
	// The event is the delivery's only once its first attempt failed (see attempt).
	err := d.attempt(ctx, ev, raw, h, schema.NewDelivery("", h.ID, time.Time{}))
	if err == nil {
		src.finish(h.ID)
	}
	return err
}

// attempt makes attempt dl.Attempt and hands a failure on. raw is the
// event's record, which a first attempt's delivery takes only on failure.
func (d *Dispatcher) attempt(ctx context.Context, ev schema.LoadEvent, raw []byte, h schema.Hook, dl schema.Delivery) error {
	req := Request{URL: h.Config.URL, WebhookID: schema.WebhookID(ev.EventID, h.ID), Body: ev.Payload, Number: dl.Attempt, EventID: ev.EventID}
	for _, secret := range h.Config.Secrets(d.now()) {
		s, err := NewSigner(secret)
		if err != nil {
			d.log(ev, dl).Error("hook has a bad signing secret; not signing with it", zap.Error(err))
			continue
		}
		req.Signers = append(req.Signers, s)
	}
	out := d.send(ctx, h, req)
	if out.Result == Delivered {
		if ce := d.cfg.Log.Check(zap.DebugLevel, "delivered"); ce != nil {
			ce.Write(zap.String("event_id", ev.EventID), zap.Int64("hook_id", h.ID), zap.Int("attempt", dl.Attempt),
				zap.Int("status", out.Attempt.Status), zap.Int64("duration_ms", out.Attempt.DurationMS))
		}
		return nil
	}
	log := d.log(ev, dl)
	// An attempt that sent no request (breaker open, endpoint saturated)
	// logs at debug: a dead endpoint has thousands a second, and its
	// breaker's state changes and the attempts metric already tell it.
	level := zap.InfoLevel
	if !out.Result.RequestSent() {
		level = zap.DebugLevel
	}
	log.Log(level, "attempt failed", zap.Int("status", out.Attempt.Status), zap.String("error", out.Attempt.Error))
	if dl.Event == "" {
		dl.Event = string(raw)
	}
	return d.handOn(ctx, log, ev.EventID, h, dl, out)
}

// log is the logger of one delivery's attempt, made only when something is
// logged: a delivered attempt, the common case, logs nothing by default.
func (d *Dispatcher) log(ev schema.LoadEvent, dl schema.Delivery) *zap.Logger {
	return d.cfg.Log.With(zap.String("event_id", ev.EventID), zap.Int64("hook_id", dl.HookID), zap.Int("attempt", dl.Attempt))
}

// send makes the attempt through the endpoint's bulkhead and breaker; when
// either refuses, the attempt fails at once without a request. The
// attempt is observed and, if it counts, logged.
func (d *Dispatcher) send(ctx context.Context, h schema.Hook, req Request) Outcome {
	ep := d.endpoints.get(h.Config.URL, h.ID)
	out := d.try(ctx, ep, h.ClientID, req)
	d.observe(out)
	d.logAttempt(h, ep.redacted, req, out)
	return out
}

// try is send's attempt, through ep's guard, for account clientID.
func (d *Dispatcher) try(ctx context.Context, ep *endpoint, clientID int64, req Request) Outcome {
	done, err := ep.acquire(ctx, clientID)
	if err != nil {
		return refusal(ctx, req.Number, d.now(), err)
	}
	out := d.sender.Send(ctx, req)
	done(out.Result == Delivered, out.Result.Counts())
	return out
}

// observe tells the Observer of an attempt.
func (d *Dispatcher) observe(out Outcome) {
	d.cfg.Observer.Attempted(out.Result.meaning().observed, out.Attempt.Number, time.Duration(out.Attempt.DurationMS)*time.Millisecond)
}

// InFlight returns the requests in flight per hook URL.
func (d *Dispatcher) InFlight() map[string]int { return d.endpoints.inFlight() }

// BreakerStates returns the breaker state ("closed", "half-open", "open")
// of every hook URL this process has sent to.
func (d *Dispatcher) BreakerStates() map[string]string {
	out := map[string]string{}
	for url, st := range d.endpoints.states() {
		out[url] = st.String()
	}
	return out
}

// publish writes a record, retrying with backoff while ctx lives; once ctx
// has ended it still makes one last try, so a shutdown hands work on. A
// record refused for its size is not tried again.
func (d *Dispatcher) publish(ctx context.Context, topic string, key, value []byte) error {
	backoff := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.PublishTimeout)
		err := d.pub.Publish(pctx, topic, key, value)
		cancel()
		if err == nil || ctx.Err() != nil || tooLarge(err) { // too large: no try will do
			return err
		}
		d.cfg.Log.Warn("publishing; will retry", zap.String("topic", topic), zap.Error(err), zap.Duration("backoff", backoff))
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
