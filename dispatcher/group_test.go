package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// written is what a grouper published, by topic.
type written struct {
	mu   sync.Mutex
	recs map[string][][]byte
	err  error // returned by every publish
}

func (w *written) publish(_ context.Context, topic string, _, value []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.recs == nil {
		w.recs = map[string][][]byte{}
	}
	w.recs[topic] = append(w.recs[topic], value)
	return w.err
}

// deliveries decodes every record on topic into its deliveries.
func (w *written) deliveries(t *testing.T, topic string) (records int, dls []schema.Delivery) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.recs[topic] {
		if schema.IsGroup(b) {
			g, _, err := schema.DecodeGroup(b)
			if err != nil {
				t.Fatal(err)
			}
			dls = append(dls, g...)
		} else {
			d, err := schema.DecodeDelivery(b)
			if err != nil {
				t.Fatal(err)
			}
			dls = append(dls, d)
		}
	}
	return len(w.recs[topic]), dls
}

func eventID(t *testing.T, d schema.Delivery) string {
	t.Helper()
	ev, err := schema.DecodeLoadEvent([]byte(d.Event))
	if err != nil {
		t.Fatal(err)
	}
	return ev.EventID
}

func refused(t *testing.T, i int, hookID int64, attempt int) schema.Delivery {
	now := time.Now().UTC()
	ev := schema.SampleLoadEvent(fmt.Sprintf("ev-%d", i), 1, 2, true, now)
	var as []schema.Attempt
	for n := 1; n < attempt; n++ {
		as = append(as, schema.Attempt{Number: n, StartedAt: now, Error: ErrBreakerOpen.Error()})
	}
	return schema.Delivery{Event: string(ev), HookID: hookID, Attempt: attempt, DueAt: now.Add(time.Duration(i) * time.Millisecond),
		Error: ErrBreakerOpen.Error(), Attempts: as}
}

// addAll adds the deliveries concurrently, as the workers of one burst do,
// and returns each add's error.
func addAll(g *grouper, topic string, dls []schema.Delivery) []error {
	errs := make([]error, len(dls))
	var wg sync.WaitGroup
	for i, dl := range dls {
		wg.Go(func() { errs[i] = g.add(context.Background(), topic, []byte("1"), dl) })
	}
	wg.Wait()
	return errs
}

// Deliveries refused together for one hook and attempt are one record; a
// group holds at most groupMaxDeliveries; other hooks and attempts are
// records of their own; nothing is lost or doubled.
func TestGrouperGroupsRefusedDeliveries(t *testing.T) {
	var w written
	g := newGrouper(w.publish)
	var dls []schema.Delivery
	for i := range groupMaxDeliveries + 50 {
		dls = append(dls, refused(t, i, 7, 2))
	}
	other := []schema.Delivery{refused(t, 1000, 8, 2), refused(t, 1001, 7, 3)}
	for _, err := range addAll(g, "t1", append(dls, other...)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	records, got := w.deliveries(t, "t1")
	if len(got) != len(dls)+len(other) {
		t.Fatalf("%d deliveries written, want %d", len(got), len(dls)+len(other))
	}
	// Started together, the 150 make two full-sized groups at most, but for
	// a straggler a loaded machine may start after a group was written.
	if records > 2+len(other)+2 {
		t.Errorf("%d records for %d deliveries of 3 hook-attempts, want about 4", records, len(got))
	}
	sent := map[string]schema.Delivery{}
	for _, d := range append(dls, other...) {
		sent[eventID(t, d)] = d
	}
	for _, d := range got {
		id := eventID(t, d)
		want, ok := sent[id]
		if !ok {
			t.Fatalf("%s written twice, or never added", id)
		}
		delete(sent, id)
		if d.HookID != want.HookID || d.Attempt != want.Attempt || len(d.Attempts) != len(want.Attempts) || d.Error != want.Error {
			t.Errorf("%s came back as hook %d attempt %d with %d attempts, want hook %d attempt %d with %d",
				id, d.HookID, d.Attempt, len(d.Attempts), want.HookID, want.Attempt, len(want.Attempts))
		}
		if d.DueAt.Before(want.DueAt) {
			t.Errorf("%s due %v, before its own due time %v", id, d.DueAt, want.DueAt)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.forming) != 0 {
		t.Errorf("%d groups left forming", len(g.forming))
	}
}

// A delivery alone is written as a record of its own, not as a group.
func TestGrouperWritesALoneDeliveryAsItsOwnRecord(t *testing.T) {
	var w written
	g := newGrouper(w.publish)
	if err := g.add(context.Background(), "t1", []byte("1"), refused(t, 1, 7, 2)); err != nil {
		t.Fatal(err)
	}
	if len(w.recs["t1"]) != 1 || schema.IsGroup(w.recs["t1"][0]) {
		t.Fatalf("wrote %q, want one delivery record", w.recs["t1"])
	}
}

// When the group's record cannot be written, every delivery in it hears so
// (and its event is handled again).
func TestGrouperTellsEveryDeliveryOfAFailedWrite(t *testing.T) {
	w := written{err: errors.New("broker down")}
	g := newGrouper(w.publish)
	dls := []schema.Delivery{refused(t, 1, 7, 2), refused(t, 2, 7, 2), refused(t, 3, 7, 2)}
	for i, err := range addAll(g, "t1", dls) {
		if err == nil || err.Error() != "broker down" {
			t.Errorf("delivery %d: %v, want the write's error", i, err)
		}
	}
}

// A group's events together stay within groupMaxEventBytes.
func TestGrouperKeepsAGroupWithinItsByteLimit(t *testing.T) {
	var w written
	g := newGrouper(w.publish)
	var dls []schema.Delivery
	for i := range 20 {
		dl := refused(t, i, 7, 2)
		// Pad the event (inside its payload's free-form part would do too;
		// the size is all that counts here).
		dl.Event = dl.Event[:len(dl.Event)-1] + fmt.Sprintf(`,"pad":"%0*d"}`, groupMaxEventBytes/8, i)
		dls = append(dls, dl)
	}
	for _, err := range addAll(g, "t1", dls) {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.recs["t1"] {
		if len(b) > 2*groupMaxEventBytes {
			t.Errorf("a record of %d bytes, want at most about %d", len(b), groupMaxEventBytes)
		}
	}
	if len(w.recs["t1"]) < 20/7 {
		t.Errorf("%d records for 20 events of %d bytes", len(w.recs["t1"]), groupMaxEventBytes/8)
	}
}
