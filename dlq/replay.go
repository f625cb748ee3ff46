package dlq

import (
	"context"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
)

// Outcomes of one dead letter in a replay: OutcomeReplayed (also in a dry
// run, where it means "would be"), or why it was skipped.
const (
	OutcomeReplayed = "replayed"
	// SkipAlreadyReplayed: its replay marker exists.
	SkipAlreadyReplayed = "already replayed"
	// SkipHookDeleted: the hook is gone, or now belongs to another account.
	SkipHookDeleted = "hook deleted"
	// SkipHookDisabled: the hook exists but is disabled.
	SkipHookDisabled = "hook disabled"
	// SkipDuplicate: an earlier dead letter of this replay has the same
	// event and hook (so the same webhook-id) and was replayed; this one is
	// marked as replayed too.
	SkipDuplicate = "duplicate"
)

// MaxOutcomes bounds ReplayResult.Outcomes; the counts cover everything.
const MaxOutcomes = 1000

// ReplayResult says what a replay did (or, in a dry run, would do).
type ReplayResult struct {
	DryRun   bool           `json:"dry_run"`
	Replayed int            `json:"replayed"`
	Skipped  map[string]int `json:"skipped"`
	// Outcomes are the first MaxOutcomes dead letters, in Scan's order;
	// Omitted counts the others.
	Outcomes []Outcome `json:"dead_letters"`
	Omitted  int       `json:"omitted"`
}

// Outcome is what happened to one dead letter.
type Outcome struct {
	ID      string `json:"id"`
	EventID string `json:"event_id"`
	HookID  int64  `json:"hook_id"`
	Outcome string `json:"outcome"`
}

// Replay puts the dead letters f selects back on RetryTopic as fresh
// deliveries (attempt 1, due now, no attempts), keyed by client id, so that
// the retry consumer attempts them at once to the hook's current URL with
// the same webhook-id. A dead letter is skipped if it was replayed before
// (its marker is on ReplayedTopic), if its hook is deleted or belongs to
// another account, or is disabled. Deliveries go through pub. After each
// delivery is on the broker, Replay writes the dead letter's marker to
// partition 0 of ReplayedTopic through Config.Kafka (which created the
// topic if it was missing, so it knows it at once); a crash between the
// two can replay it again later, never lose it. With
// dryRun, nothing is published (and ReplayedTopic is not created). On an
// error Replay stops and returns what it did so far.
//
// Replays that run at the same time over the same dead letters may each
// replay them: run one at a time (Routes does, per process).
func Replay(ctx context.Context, cfg Config, f Filter, hooks Hooks, pub Publisher, dryRun bool, now func() time.Time) (ReplayResult, error) {
	res := ReplayResult{DryRun: dryRun, Skipped: map[string]int{}, Outcomes: []Outcome{}}
	cfg, err := cfg.prepare()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return res, err
	}
	r := &replayer{cfg: cfg, hooks: hooks, pub: pub, now: now, sent: map[string]struct{}{}, res: res}
	if dryRun {
		r.marked, err = readMarkers(ctx, cfg, cfg.ReplayedTopic)
	} else {
		r.marked, err = prepareMarkers(ctx, cfg, cfg.ReplayedTopic)
	}
	if err != nil {
		return r.res, err
	}
	_, err = scan(ctx, cfg, f, func(e Entry) error { return r.one(ctx, e) })
	return r.res, err
}

type replayer struct {
	cfg    Config
	hooks  Hooks
	pub    Publisher
	now    func() time.Time
	marked markers
	sent   map[string]struct{} // webhook-ids replayed by this run
	res    ReplayResult
}

// one replays or skips e.
func (r *replayer) one(ctx context.Context, e Entry) error {
	outcome := r.decide(e)
	if !r.res.DryRun {
		var err error
		switch outcome {
		case OutcomeReplayed:
			err = r.publish(ctx, e)
		case SkipDuplicate:
			err = r.mark(ctx, e, r.now())
		}
		if err != nil {
			return fmt.Errorf("replaying dead letter %s: %w", e.ID, err)
		}
	}
	if outcome == OutcomeReplayed {
		r.res.Replayed++
	} else {
		r.res.Skipped[outcome]++
	}
	if len(r.res.Outcomes) < MaxOutcomes {
		r.res.Outcomes = append(r.res.Outcomes, Outcome{ID: e.ID, EventID: e.DeadLetter.EventID, HookID: e.DeadLetter.Hook.ID, Outcome: outcome})
	} else {
		r.res.Omitted++
	}
	return nil
}

// decide says what to do with e.
func (r *replayer) decide(e Entry) string {
	dl := e.DeadLetter
	if _, ok := r.marked[e.ID]; ok {
		return SkipAlreadyReplayed
	}
	h, ok := r.hooks.Hook(dl.Hook.ID)
	switch {
	case !ok || h.ClientID != dl.Hook.ClientID || h.DeletedAt != nil:
		return SkipHookDeleted
	case !h.Enabled():
		return SkipHookDisabled
	}
	if _, dup := r.sent[dl.WebhookID()]; dup {
		return SkipDuplicate
	}
	r.sent[dl.WebhookID()] = struct{}{}
	return OutcomeReplayed
}

// publish puts e on the retry tier as a fresh delivery, then marks it.
func (r *replayer) publish(ctx context.Context, e Entry) error {
	dl := e.DeadLetter
	at := r.now().UTC()
	b, err := schema.EncodeRecord(schema.NewDelivery(dl.Event, dl.Hook.ID, at))
	if err != nil {
		return fmt.Errorf("encoding delivery: %w", err)
	}
	if err := r.send(ctx, r.cfg.RetryTopic, schema.RecordKey(dl.Hook.ClientID), b); err != nil {
		return err
	}
	return r.mark(ctx, e, at)
}

// mark writes e's replay marker.
func (r *replayer) mark(ctx context.Context, e Entry, at time.Time) error {
	key, value, err := encodeMarker(e.ID, e.DeadLetter.Hook.ID, at)
	if err != nil {
		return fmt.Errorf("encoding replay marker: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	if _, err := r.cfg.Kafka.Produce(ctx, r.cfg.ReplayedTopic, 0, [2][]byte{key, value}); err != nil {
		return fmt.Errorf("writing replay marker to %s: %w", r.cfg.ReplayedTopic, err)
	}
	r.marked[e.ID] = struct{}{}
	return nil
}

// send publishes one record with pub, within the configured timeout.
func (r *replayer) send(ctx context.Context, topic string, key, value []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	if err := r.pub.Publish(ctx, topic, key, value); err != nil {
		return fmt.Errorf("publishing to %s: %w", topic, err)
	}
	return nil
}
