package hook

import (
	"context"
	"testing"
)

// AllHooks lists every account's live hooks, disabled ones included,
// by account then id; deleted ones are gone.
func TestAllHooks(t *testing.T) {
	c := newCluster(t)
	s, _ := startStore(t, c, nil, Config{})
	ctx := context.Background()
	b1 := mustHook(t, s, clientB, 1)
	a1 := mustHook(t, s, clientA, 1)
	disabled := mustHook(t, s, clientA, 2)
	if _, err := s.SetHookEnabled(ctx, clientA, disabled.ID, false); err != nil {
		t.Fatal(err)
	}
	deleted := mustHook(t, s, clientB, 3)
	if err := s.DeleteHook(ctx, clientB, deleted.ID); err != nil {
		t.Fatal(err)
	}
	got := s.AllHooks()
	want := []int64{a1.ID, disabled.ID, b1.ID}
	if len(got) != len(want) {
		t.Fatalf("AllHooks = %+v, want ids %v", got, want)
	}
	for i, h := range got {
		if h.ID != want[i] {
			t.Errorf("AllHooks[%d] is hook %d, want %d", i, h.ID, want[i])
		}
	}
	if got[1].DisabledAt == nil {
		t.Error("the disabled hook is listed enabled")
	}
}
