package hook

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

func TestViewIndexes(t *testing.T) {
	v := newView()
	now := time.Unix(1563384637, 0).UTC()
	hook := func(id, client, dest int64) *schema.Hook {
		return &schema.Hook{ID: id, ClientID: client, DestinationID: dest, Type: schema.HookTypePostLoad, Version: 1}
	}
	v.putHook(3, hook(3, 1, 1))
	v.putHook(1, hook(1, 1, 1))
	handed := v.match[matchKey{1, 1}]
	v.putHook(2, hook(2, 1, 1))
	if ids := hookIDs(v.match[matchKey{1, 1}]); !equal(ids, 1, 2, 3) {
		t.Errorf("match ids %v, want 1 2 3", ids)
	}
	if ids := hookIDs(handed); !equal(ids, 1, 3) {
		t.Errorf("a slice handed out changed: %v", ids)
	}

	off := hook(2, 1, 1)
	off.DisabledAt = &now
	v.putHook(2, off)
	moved := hook(3, 1, 9) // another destination
	v.putHook(3, moved)
	gone := hook(1, 1, 1)
	gone.DeletedAt = &now
	v.putHook(1, gone)

	if ids := hookIDs(v.match[matchKey{1, 1}]); len(ids) != 0 {
		t.Errorf("match (1,1) = %v, want none", ids)
	}
	if ids := hookIDs(v.match[matchKey{1, 9}]); !equal(ids, 3) {
		t.Errorf("match (1,9) = %v, want 3", ids)
	}
	if ids := hookIDs(v.hooksOf(1)); !equal(ids, 2, 3) {
		t.Errorf("hooks of 1 = %v, want 2 3", ids)
	}
	v.putHook(2, nil) // a tombstone
	if _, ok := v.hooks[2]; ok || len(v.hookIDs[1]) != 1 {
		t.Errorf("tombstone not applied: %+v", v.hookIDs)
	}
}

func hookIDs(hs []schema.Hook) []int64 {
	var ids []int64
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids
}

func equal(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkMatch(b *testing.B) {
	v := newView()
	for id := int64(1); id <= 10000; id++ {
		v.putHook(id, &schema.Hook{ID: id, ClientID: id % 1000, DestinationID: id % 7, Type: schema.HookTypePostLoad, Version: 1})
	}
	s := &Store{v: v}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var n int64
		for pb.Next() {
			n++
			if len(s.Match(n%1000, n%7)) > 10 {
				b.Fatal("too many")
			}
		}
	})
}
