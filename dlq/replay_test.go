package dlq

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// replayFixture: hook 1 (account A) enabled with two dead letters, hook 2
// (A) disabled, hook 3 deleted, hook 4 once account B's and now account
// C's (treated as deleted). ev-1's last 3 attempts were skipped by the
// open breaker.
func replayFixture(tb testing.TB) (*env, *fakeHooks) {
	tb.Helper()
	e := newEnv(tb)
	e.mustWrite(tb,
		dl{event: "ev-1", client: clientA, hook: 1, deadAt: t0.Add(1 * time.Minute), skipped: 3},
		dl{event: "ev-2", client: clientA, hook: 2, deadAt: t0.Add(2 * time.Minute)},
		dl{event: "ev-3", client: clientA, hook: 3, deadAt: t0.Add(3 * time.Minute)},
		dl{event: "ev-4", client: clientB, hook: 4, deadAt: t0.Add(4 * time.Minute)},
		dl{event: "ev-5", client: clientA, hook: 1, deadAt: t0.Add(5 * time.Minute), reason: "hook_gone"},
	)
	return e, newHooks(hookOf(1, clientA, false), hookOf(2, clientA, true), hookOf(4, clientC, false))
}

func clock() func() time.Time { return func() time.Time { return t0.Add(24 * time.Hour) } }

func mustReplay(tb testing.TB, e *env, f Filter, hooks Hooks, dryRun bool) ReplayResult {
	tb.Helper()
	res, err := Replay(context.Background(), e.cfg, f, hooks, e.pub, dryRun, clock())
	if err != nil {
		tb.Fatalf("Replay: %v", err)
	}
	return res
}

func outcomes(res ReplayResult) map[string]string {
	out := map[string]string{}
	for _, o := range res.Outcomes {
		out[o.EventID] = o.Outcome
	}
	return out
}

func TestReplayPublishesFreshDeliveriesAndSkips(t *testing.T) {
	e, hooks := replayFixture(t)
	res := mustReplay(t, e, Filter{}, hooks, false)
	wantOutcomes := map[string]string{"ev-1": "replayed", "ev-2": "hook disabled", "ev-3": "hook deleted", "ev-4": "hook deleted", "ev-5": "replayed"}
	if res.Replayed != 2 || !maps.Equal(res.Skipped, map[string]int{"hook disabled": 1, "hook deleted": 2}) ||
		!maps.Equal(outcomes(res), wantOutcomes) || res.DryRun || res.Omitted != 0 {
		t.Fatalf("result %+v", res)
	}

	entries := map[string]Entry{}
	for _, en := range e.mustScan(t, Filter{}) {
		entries[en.DeadLetter.EventID] = en
	}
	recs := e.mustRead(t, "postload.retry.1")
	if len(recs) != 2 {
		t.Fatalf("%d records on the retry tier, want 2", len(recs))
	}
	for i, r := range recs {
		d, err := schema.DecodeDelivery(r.value)
		if err != nil {
			t.Fatalf("retry record %d: %v", i, err)
		}
		ev, _ := schema.DecodeLoadEvent([]byte(d.Event))
		orig := entries[ev.EventID].DeadLetter
		if d.Event != orig.Event || d.HookID != 1 || d.Attempt != 1 || !d.DueAt.Equal(clock()()) ||
			d.Error != "" || d.Attempts == nil || len(d.Attempts) != 0 || string(r.key) != "116078" {
			t.Errorf("retry record %d: key %s, %+v", i, r.key, d)
		}
		if !bytes.Contains(r.value, []byte(`"attempts":[]`)) {
			t.Errorf("attempts not an empty array: %s", r.value)
		}
	}

	marks := e.mustRead(t, "postload.replayed")
	var keys []string
	for _, m := range marks {
		keys = append(keys, string(m.key))
		var v map[string]any
		if err := json.Unmarshal(m.value, &v); err != nil || v["hook_id"] != 1.0 || v["replayed_at"] != "2026-03-02T10:00:00Z" {
			t.Errorf("marker %s = %s (%v)", m.key, m.value, err)
		}
	}
	if want := []string{entries["ev-1"].ID, entries["ev-5"].ID}; !slices.Equal(keys, want) {
		t.Errorf("markers %v, want %v", keys, want)
	}

	var out bytes.Buffer
	if err := res.Print(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "replayed 2, skipped 3 (hook deleted 2, hook disabled 1)\n") {
		t.Errorf("printed:\n%s", out.String())
	}
}

func TestReplayTwiceReplaysNothingNew(t *testing.T) {
	e, hooks := replayFixture(t)
	mustReplay(t, e, Filter{}, hooks, false)
	hooks.put(hookOf(2, clientA, false)) // re-enabled since
	res := mustReplay(t, e, Filter{}, hooks, false)
	if res.Replayed != 1 || !maps.Equal(res.Skipped, map[string]int{"already replayed": 2, "hook deleted": 2}) ||
		outcomes(res)["ev-2"] != "replayed" {
		t.Fatalf("second replay %+v", res)
	}
	res = mustReplay(t, e, Filter{}, hooks, false)
	if res.Replayed != 0 || res.Skipped["already replayed"] != 3 {
		t.Fatalf("third replay %+v", res)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 3 {
		t.Fatalf("%d records on the retry tier, want 3", n)
	}
}

func TestReplayDryRunPublishesNothing(t *testing.T) {
	e, hooks := replayFixture(t)
	res := mustReplay(t, e, Filter{ClientID: clientA}, hooks, true)
	if !res.DryRun || res.Replayed != 2 || !maps.Equal(res.Skipped, map[string]int{"hook disabled": 1, "hook deleted": 1}) {
		t.Fatalf("dry run %+v", res)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 0 {
		t.Fatalf("dry run published %d deliveries", n)
	}
	var out bytes.Buffer
	res.Print(&out)
	if !strings.Contains(out.String(), "would replay") || !strings.HasSuffix(out.String(), "dry run: would replay 2, skipped 2 (hook deleted 1, hook disabled 1)\n") {
		t.Errorf("printed:\n%s", out.String())
	}
	// Still replayable for real afterwards.
	if res := mustReplay(t, e, Filter{ClientID: clientA}, hooks, false); res.Replayed != 2 {
		t.Fatalf("replay after dry run %+v", res)
	}
	// A dry run sees the markers.
	if res := mustReplay(t, e, Filter{ClientID: clientA}, hooks, true); res.Replayed != 0 || res.Skipped["already replayed"] != 2 {
		t.Fatalf("dry run after replay %+v", res)
	}
}

func TestReplayFilters(t *testing.T) {
	e, hooks := replayFixture(t)
	res := mustReplay(t, e, Filter{HookID: 1, Since: t0.Add(2 * time.Minute)}, hooks, false)
	if res.Replayed != 1 || len(res.Outcomes) != 1 || res.Outcomes[0].EventID != "ev-5" {
		t.Fatalf("%+v", res)
	}
}

func TestReplayOnceForDuplicateDeadLetters(t *testing.T) {
	e := newEnv(t)
	d := dl{event: "ev-1", client: clientA, hook: 1, deadAt: t0}
	e.mustWrite(t, d, d) // the same delivery dead twice (a crash before a commit)
	hooks := newHooks(hookOf(1, clientA, false))
	res := mustReplay(t, e, Filter{}, hooks, false)
	if res.Replayed != 1 || res.Skipped["duplicate"] != 1 {
		t.Fatalf("%+v", res)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	if res := mustReplay(t, e, Filter{}, hooks, false); res.Skipped["already replayed"] != 2 {
		t.Fatalf("second replay %+v", res)
	}
}

func TestReplayWritesMarkerOnlyAfterDelivery(t *testing.T) {
	e, hooks := replayFixture(t)
	failing := PublisherFunc(func(ctx context.Context, topic string, key, value []byte) error {
		if topic == "postload.retry.1" {
			return context.DeadlineExceeded
		}
		return e.pub.Publish(ctx, topic, key, value)
	})
	res, err := Replay(context.Background(), e.cfg, Filter{}, hooks, failing, false, clock())
	if err == nil || res.Replayed != 0 {
		t.Fatalf("got %+v, %v; want an error and nothing replayed", res, err)
	}
	if n := len(e.mustRead(t, "postload.replayed")); n != 0 {
		t.Fatalf("%d markers written without a delivery", n)
	}
	if res := mustReplay(t, e, Filter{}, hooks, false); res.Replayed != 2 {
		t.Fatalf("replay after the failure %+v", res)
	}
}
