package dispatcher

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// fakeProgress is a Progress in memory.
type fakeProgress struct {
	mu       sync.Mutex
	before   []int64 // finished by an earlier handling
	finished []int64 // finished by this one
}

var _ Progress = (*fakeProgress)(nil)

func (p *fakeProgress) Finished(item int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.before, item) || slices.Contains(p.finished, item)
}

func (p *fakeProgress) Finish(item int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = append(p.finished, item)
}

func (p *fakeProgress) Suspect() (time.Time, bool) { return time.Time{}, false }

func (p *fakeProgress) done() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(slices.Values(p.finished))
}

// matchMap is a registry whose every account and destination has hooks.
type matchMap struct{ hookMap }

func (m matchMap) Match(int64, int64) []schema.Hook {
	var out []schema.Hook
	for _, id := range slices.Sorted(func(yield func(int64) bool) {
		for id := range m.hookMap {
			if !yield(id) {
				return
			}
		}
	}) {
		out = append(out, m.hookMap[id])
	}
	return out
}

// An event handled again (after a crash) makes no attempt for the hooks an
// earlier handling finished, and records those it finishes now.
func TestEventHandledAgainSkipsFinishedHooks(t *testing.T) {
	var w written
	hooks := hookMap{}
	for _, id := range []int64{7, 8, 9} {
		h := testHook
		h.ID = id
		hooks[id] = h
	}
	sender, err := NewSender(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{RetryTopics: []string{"r1"}, RetryDelays: []time.Duration{time.Second},
		Endpoints: EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour}}, matchMap{hooks}, publisherFunc(w.publish), sender)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	done, err := d.endpoints.get(testHookURL, 7).acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	done(false, true) // the shared endpoint's breaker is open: every attempt is handed on
	ev := schema.SampleLoadEvent("ev-again", 1, 2, true, time.Now())
	p := &fakeProgress{before: []int64{8}}
	if err := d.HandleEvent(context.Background(), Source{Topic: "load-completed", Progress: p}, ev); err != nil {
		t.Fatal(err)
	}
	_, dls := w.deliveries(t, "r1")
	var ids []int64
	for _, dl := range dls {
		ids = append(ids, dl.HookID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{7, 9}) {
		t.Errorf("handed on for hooks %v, want 7 and 9 (8 was finished before)", ids)
	}
	if got := p.done(); !slices.Equal(got, []int64{7, 9}) {
		t.Errorf("finished %v, want 7 and 9", got)
	}

	// A hand-off that cannot be written is not finished.
	w2 := written{err: context.DeadlineExceeded}
	d.pub = publisherFunc(w2.publish)
	d.groups = newGrouper(d.publish)
	p2 := &fakeProgress{}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := d.HandleEvent(ctx, Source{Topic: "load-completed", Progress: p2}, ev); err == nil {
		t.Fatal("HandleEvent = nil with every hand-off failing")
	}
	if got := p2.done(); len(got) != 0 {
		t.Errorf("finished %v although no hand-off was written", got)
	}
}

// A group record handled again skips the deliveries an earlier handling
// finished, also while the breaker refuses (no hand-on of the whole group).
func TestGroupHandledAgainSkipsFinishedDeliveries(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	dls, b := groupRecord(t, 5, 2)
	p := &fakeProgress{before: []int64{1, 3}}
	if err := d.HandleRetry(context.Background(), Source{Topic: "r1", Progress: p}, b); err != nil {
		t.Fatal(err)
	}
	_, got := w.deliveries(t, "r2")
	var events []string
	for _, dl := range got {
		events = append(events, dl.Event)
	}
	want := []string{dls[0].Event, dls[2].Event, dls[4].Event}
	slices.Sort(events)
	slices.Sort(want)
	if !slices.Equal(events, want) {
		t.Errorf("handed on %d deliveries, want the 3 not finished before", len(got))
	}
	if fin := p.done(); !slices.Equal(fin, []int64{0, 2, 4}) {
		t.Errorf("finished %v, want 0 2 4", fin)
	}
}
