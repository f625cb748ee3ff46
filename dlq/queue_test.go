package dlq

import (
	"context"
	"maps"
	"testing"
)

// TestQueueScanSaysWhichWereReplayed: Queue.Scan selects as Scan does and
// marks exactly the dead letters a Queue.Replay replayed.
func TestQueueScanSaysWhichWereReplayed(t *testing.T) {
	e, hooks := replayFixture(t)
	q, err := NewQueue(e.cfg, hooks, e.pub, clock())
	if err != nil {
		t.Fatal(err)
	}
	scan := func(f Filter) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		if err := q.Scan(context.Background(), f, func(en Entry, replayed bool) error {
			got[en.DeadLetter.EventID] = replayed
			return nil
		}); err != nil {
			t.Fatalf("Scan: %v", err)
		}
		return got
	}
	if got := scan(Filter{}); !maps.Equal(got, map[string]bool{"ev-1": false, "ev-2": false, "ev-3": false, "ev-4": false, "ev-5": false}) {
		t.Fatalf("before a replay: %v", got)
	}
	res, err := q.Replay(context.Background(), Filter{ClientID: clientA}, false)
	if err != nil || res.Replayed != 2 {
		t.Fatalf("Replay: %+v, %v", res, err)
	}
	if got := scan(Filter{ClientID: clientA, Limit: 2}); !maps.Equal(got, map[string]bool{"ev-1": true, "ev-2": false}) {
		t.Errorf("account A, first 2: %v", got)
	}
	if got := scan(Filter{HookID: 1}); !maps.Equal(got, map[string]bool{"ev-1": true, "ev-5": true}) {
		t.Errorf("hook 1: %v", got)
	}
}
