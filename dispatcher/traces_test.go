package dispatcher

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// fakeTraces is Kafka as a scan sees it: records by topic, one partition
// each.
type fakeTraces struct {
	mu    sync.Mutex
	recs  map[string][][]byte // topic → values, offset = index
	scans int
	err   error
}

var _ Traces = (*fakeTraces)(nil)

func (f *fakeTraces) PartitionOf(context.Context, string, []byte) (int, error) { return 0, nil }

func (f *fakeTraces) Scan(_ context.Context, topic string, _ int, _ time.Time, from int64, fn func(int64, time.Time, []byte)) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scans++
	if f.err != nil {
		return from, f.err
	}
	for i, v := range f.recs[topic] {
		if int64(i) >= from {
			fn(int64(i), recordTime.Add(time.Duration(i)*time.Second), v)
		}
	}
	return int64(len(f.recs[topic])), nil
}

// recordTime is the timestamp of every topic's first record in
// fakeTraces; each next one is a second later.
var recordTime = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// suspectProgress is a Progress of a message handled again after a crash.
type suspectProgress struct{ fakeProgress }

func (*suspectProgress) Suspect() (time.Time, bool) { return time.Unix(0, 0), true }

func retryRecord(t *testing.T, eventID string, hookID int64, attempt int) []byte {
	t.Helper()
	ev := schema.SampleLoadEvent(eventID, 1, 2, true, time.Now())
	b, err := schema.EncodeRecord(schema.Delivery{Event: string(ev), HookID: hookID, Attempt: attempt, DueAt: time.Now(), Attempts: []schema.Attempt{}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The table of docs/retries.md's takeover rule: what an earlier handling
// that died may have written, and whether the part is handed on.
func TestHandedOnAfterACrash(t *testing.T) {
	dead, err := json.Marshal(schema.DeadLetter{Event: string(schema.SampleLoadEvent("e", 1, 2, true, time.Now())), EventID: "e",
		Hook: schema.HookRef{ID: 7, ClientID: 1, DestinationID: 2, URL: testHookURL}, Attempts: []schema.Attempt{}, Reason: schema.ReasonRetriesExhausted, DeadAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		recs    map[string][][]byte
		src     Source // Progress set below
		attempt int
		want    bool
	}{
		{"event, nothing written", nil, Source{Topic: "load-completed"}, 1, false},
		{"event, its retry record on tier 1", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2)}}, Source{Topic: "load-completed"}, 1, true},
		{"event, deferred to tier 1", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 1)}}, Source{Topic: "load-completed"}, 1, true},
		{"event, another hook's record", map[string][][]byte{"r1": {retryRecord(t, "e", 8, 2)}}, Source{Topic: "load-completed"}, 1, false},
		{"event, another event's record", map[string][][]byte{"r1": {retryRecord(t, "f", 7, 2)}}, Source{Topic: "load-completed"}, 1, false},
		{"event, a dead letter", map[string][][]byte{"dlq": {dead}}, Source{Topic: "load-completed"}, 1, true},
		{"tier record, the next attempt written", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2)}, "r2": {retryRecord(t, "e", 7, 3)}}, Source{Topic: "r1", Offset: 0}, 2, true},
		{"tier record, only itself", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2)}}, Source{Topic: "r1", Offset: 0}, 2, false},
		{"tier record, deferred after it", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2), retryRecord(t, "e", 7, 2)}}, Source{Topic: "r1", Offset: 0}, 2, true},
		{"tier record, a copy before it", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2), retryRecord(t, "e", 7, 2)}}, Source{Topic: "r1", Offset: 1}, 2, false},
		{"tier record, an earlier attempt only", map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2)}}, Source{Topic: "r2", Offset: 0}, 3, false},
		{"tier record, a dead letter", map[string][][]byte{"dlq": {dead}}, Source{Topic: "r2", Offset: 0}, 3, true},
		// Records written before the message are another handling's: a
		// dead letter replayed, a record the message was deferred from.
		{"replayed, its old dead letter", map[string][][]byte{"dlq": {dead}}, Source{Topic: "r1", Offset: 5, Time: recordTime.Add(time.Minute)}, 1, false},
		{"deferred copy, the record it came from", map[string][][]byte{"r2": {retryRecord(t, "e", 7, 3)}}, Source{Topic: "r1", Offset: 5, Time: recordTime.Add(time.Minute)}, 3, false},
		{"deferred copy, its own hand-off after it", map[string][][]byte{"r2": {retryRecord(t, "e", 7, 3), retryRecord(t, "e", 7, 4)}}, Source{Topic: "r1", Offset: 5, Time: recordTime.Add(time.Second / 2)}, 3, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &Dispatcher{cfg: Config{RetryTopics: []string{"r1", "r2"}, DLQTopic: "dlq"}, traces: newTraceIndex(&fakeTraces{recs: tt.recs}, time.Now, zap.NewNop())}
			tt.src.Progress = &suspectProgress{}
			got, err := d.handedOn(context.Background(), tt.src, 1, "e", 7, tt.attempt)
			if err != nil || got != tt.want {
				t.Errorf("handedOn = %v, %v; want %v", got, err, tt.want)
			}
			// A message that is not suspect never looks.
			tt.src.Progress = &fakeProgress{}
			if got, err := d.handedOn(context.Background(), tt.src, 1, "e", 7, tt.attempt); got || err != nil {
				t.Errorf("not suspect: handedOn = %v, %v; want false", got, err)
			}
		})
	}
}

// One scan serves every lookup of a takeover; a failed scan is an error
// (the message is handled again later), tried again on the next lookup.
func TestTraceScansAreSharedAndRetried(t *testing.T) {
	f := &fakeTraces{recs: map[string][][]byte{"r1": {retryRecord(t, "e", 7, 2)}}}
	d := &Dispatcher{cfg: Config{RetryTopics: []string{"r1"}, DLQTopic: "dlq"}, traces: newTraceIndex(f, time.Now, zap.NewNop())}
	src := Source{Topic: "load-completed", Progress: &suspectProgress{}}
	for range 5 {
		if ok, err := d.handedOn(context.Background(), src, 1, "e", 7, 1); !ok || err != nil {
			t.Fatalf("handedOn = %v, %v", ok, err)
		}
	}
	if f.scans != 2 { // r1 and dlq, once each
		t.Errorf("%d scans, want 2", f.scans)
	}
	f2 := &fakeTraces{err: errors.New("broker gone")}
	d.traces = newTraceIndex(f2, time.Now, zap.NewNop())
	if _, err := d.handedOn(context.Background(), src, 1, "e", 7, 1); err == nil {
		t.Fatal("a failed scan gave no error")
	}
	f2.mu.Lock()
	f2.err = nil
	f2.mu.Unlock()
	if _, err := d.handedOn(context.Background(), src, 1, "e", 7, 1); err != nil {
		t.Fatalf("after the broker came back: %v", err)
	}
}
