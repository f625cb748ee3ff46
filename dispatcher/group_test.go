package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// written is what a grouper published, by topic.
type written struct {
	mu      sync.Mutex
	recs    map[string][][]byte
	err     error         // returned by every publish
	block   chan struct{} // if set, publish waits until it is closed
	writing bool          // a publish has started
}

func (w *written) publish(_ context.Context, topic string, _, value []byte) error {
	w.mu.Lock()
	w.writing = true
	w.mu.Unlock()
	if w.block != nil {
		<-w.block
	}
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
			g, err := schema.DecodeGroup(b)
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

func refusedDelivery(t *testing.T, i int, hookID int64, attempt int) schema.Delivery {
	t.Helper()
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
	g.linger = time.Minute // every add happens within it: the groups close when full or by ctx alone
	var dls []schema.Delivery
	for i := range groupMaxDeliveries + 50 {
		dls = append(dls, refusedDelivery(t, i, 7, 2))
	}
	other := []schema.Delivery{refusedDelivery(t, 1000, 8, 2), refusedDelivery(t, 1001, 7, 3)}
	// The groups that do not fill up (50 of hook 7, and the others) are
	// written when the adds' ctx ends, once every delivery is in.
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, len(dls)+len(other))
	for _, dl := range append(dls, other...) {
		go func() { errs <- g.add(ctx, "t1", []byte("1"), dl) }()
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		n := formingDeliveries(g)
		w.mu.Lock()
		written := len(w.recs["t1"])
		w.mu.Unlock()
		return n == 50+len(other) && written == 1, fmt.Sprintf("%d deliveries forming and %d records written, want the 50 past a full group and the %d others, and the full group", n, written, len(other))
	})
	cancel()
	for range len(dls) + len(other) {
		// The first of a group writes it and returns its write's error; the
		// others may see their ctx end first.
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
	records, got := w.deliveries(t, "t1")
	if len(got) != len(dls)+len(other) {
		t.Fatalf("%d deliveries written, want %d", len(got), len(dls)+len(other))
	}
	if records != 2+len(other) {
		t.Errorf("%d records for %d deliveries, want %d: a full group, the rest of hook 7's, one for each other", records, len(got), 2+len(other))
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
	if err := g.add(context.Background(), "t1", []byte("1"), refusedDelivery(t, 1, 7, 2)); err != nil {
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
	dls := []schema.Delivery{refusedDelivery(t, 1, 7, 2), refusedDelivery(t, 2, 7, 2), refusedDelivery(t, 3, 7, 2)}
	for i, err := range addAll(g, "t1", dls) {
		if err == nil || err.Error() != "broker down" {
			t.Errorf("delivery %d: %v, want the write's error", i, err)
		}
	}
}

// A group record stays within groupMaxBytes.
func TestGrouperKeepsAGroupWithinItsByteLimit(t *testing.T) {
	var w written
	g := newGrouper(w.publish)
	var dls []schema.Delivery
	for i := range 20 {
		dl := refusedDelivery(t, i, 7, 2)
		// Quotes, escaped in the event, escaped again in the record: each
		// pair of bytes becomes four.
		dl.Event = dl.Event[:len(dl.Event)-1] + fmt.Sprintf(`,"pad":"%d%s"}`, i, strings.Repeat(`\"`, groupMaxBytes/32))
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
		if len(b) > groupMaxBytes {
			t.Errorf("a record of %d bytes, more than %d", len(b), groupMaxBytes)
		}
	}
	// Each counts as more than an eighth of the limit: 7 at most a group.
	if n := len(w.recs["t1"]); n < 3 {
		t.Errorf("%d records for 20 deliveries of %d bytes each", n, groupMaxBytes/16)
	}
	var total int
	for _, b := range w.recs["t1"] {
		total += len(b)
	}
	if total < 20*groupMaxBytes/8 {
		t.Errorf("%d bytes written for 20 deliveries: the padding was not escaped twice", total)
	}
}

// A delivery whose ctx ends while it waits for its group's write returns at
// once; a first delivery whose ctx ends writes its group at once.
func TestGrouperHonoursTheCallersContext(t *testing.T) {
	w := written{block: make(chan struct{})}
	g := newGrouper(w.publish)
	g.linger = time.Minute
	first, cancelFirst := context.WithCancel(context.Background())
	waiter, cancelWaiter := context.WithCancel(context.Background())
	firstDone, waiterDone := groupOfTwo(t, g, first, waiter)
	cancelFirst() // the first stops lingering and writes; the write blocks
	wait.For(t, 10*time.Second, func() (bool, string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.writing, "the group is not being written"
	})
	cancelWaiter()
	if err := <-waiterDone; !errors.Is(err, context.Canceled) {
		t.Errorf("waiter: %v, want context.Canceled while the write still blocks", err)
	}
	close(w.block)
	if err := <-firstDone; err != nil {
		t.Errorf("first: %v", err)
	}
	if records, got := w.deliveries(t, "t1"); records != 1 || len(got) != 2 {
		t.Errorf("%d records with %d deliveries, want both in one", records, len(got))
	}
}

// formingDeliveries counts the deliveries in g's groups still forming.
func formingDeliveries(g *grouper) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, f := range g.forming {
		n += len(f.dls)
	}
	return n
}

// When the first caller's write gives up because its ctx ended, a caller
// whose ctx lives writes its own delivery.
func TestGrouperWaiterWritesAloneWhenTheFirstCallersWriteGaveUp(t *testing.T) {
	var w written
	publish := func(ctx context.Context, topic string, key, value []byte) error {
		if ctx.Err() != nil {
			return ctx.Err() // as the dispatcher's publish after its last try
		}
		return w.publish(ctx, topic, key, value)
	}
	g := newGrouper(publish)
	g.linger = time.Minute
	first, cancelFirst := context.WithCancel(context.Background())
	firstDone, waiterDone := groupOfTwo(t, g, first, context.Background())
	cancelFirst()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("first: %v, want its ctx's error", err)
	}
	if err := <-waiterDone; err != nil {
		t.Fatalf("waiter: %v, want its delivery written", err)
	}
	records, got := w.deliveries(t, "t1")
	if records != 1 || len(got) != 1 || eventID(t, got[0]) != "ev-2" {
		t.Errorf("%d records with %d deliveries, want the waiter's alone", records, len(got))
	}
}

// groupOfTwo adds delivery ev-1 under first, then, once its group is
// forming, ev-2 under second, and returns once both are in the group; the
// channels get each add's result.
func groupOfTwo(t *testing.T, g *grouper, first, second context.Context) (firstDone, secondDone chan error) {
	t.Helper()
	firstDone, secondDone = make(chan error, 1), make(chan error, 1)
	go func() { firstDone <- g.add(first, "t1", []byte("1"), refusedDelivery(t, 1, 7, 2)) }()
	wait.For(t, 10*time.Second, func() (bool, string) {
		return formingDeliveries(g) == 1, "the first delivery has not started its group"
	})
	go func() { secondDone <- g.add(second, "t1", []byte("1"), refusedDelivery(t, 2, 7, 2)) }()
	wait.For(t, 10*time.Second, func() (bool, string) {
		return formingDeliveries(g) == 2, "the second delivery has not joined"
	})
	return firstDone, secondDone
}
