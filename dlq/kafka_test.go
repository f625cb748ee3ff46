package dlq

import (
	"context"
	"errors"
	"testing"
)

// marksRefused is a Kafka that refuses every record written through it
// (the replay markers) and otherwise is k.
type marksRefused struct{ Kafka }

func (marksRefused) Produce(context.Context, string, int, ...[2][]byte) (int64, error) {
	return 0, errDown
}

// A replay whose marker cannot be written stops after the delivery it
// published; that dead letter is not marked, so the next replay sends it
// again: replays are at-least-once, never zero times.
func TestReplayWhoseMarkerFailsReplaysAgainLater(t *testing.T) {
	e, hooks := replayFixture(t)
	cfg := e.cfg
	cfg.Kafka = marksRefused{e.cfg.Kafka}
	f := Filter{HookID: 1, Limit: 1}
	if _, err := Replay(context.Background(), cfg, f, hooks, e.pub, false, clock()); !errors.Is(err, errDown) {
		t.Fatalf("Replay with markers refused: %v, want the refusal", err)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 1 {
		t.Fatalf("%d deliveries published before the refusal, want 1", n)
	}
	if res := mustReplay(t, e, f, hooks, false); res.Replayed != 1 {
		t.Fatalf("second replay %+v, want the unmarked dead letter replayed again", res)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 2 {
		t.Fatalf("%d deliveries after the second replay, want 2", n)
	}
}
