package schema

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestPeekTraces(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	ev := func(id string) string { return string(SampleLoadEvent(id, 1, 2, true, now)) }
	single, err := EncodeRecord(Delivery{Event: ev("a"), HookID: 7, Attempt: 3, DueAt: now, Attempts: []Attempt{}})
	if err != nil {
		t.Fatal(err)
	}
	group, err := EncodeRecord(NewGroup([]Delivery{
		{Event: ev("b"), HookID: 8, Attempt: 2, DueAt: now},
		{Event: ev("c"), HookID: 8, Attempt: 2, DueAt: now},
	}))
	if err != nil {
		t.Fatal(err)
	}
	dead, err := json.Marshal(DeadLetter{Event: ev("d"), EventID: "d", Hook: HookRef{ID: 9, ClientID: 1, DestinationID: 2, URL: "https://x/"},
		Attempts: []Attempt{}, Reason: ReasonRetriesExhausted, DeadAt: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   []byte
		want []Trace
	}{
		{single, []Trace{{EventID: "a", HookID: 7, Attempt: 3}}},
		{group, []Trace{{EventID: "b", HookID: 8, Attempt: 2}, {EventID: "c", HookID: 8, Attempt: 2}}},
		{dead, []Trace{{EventID: "d", HookID: 9, Dead: true}}},
		{[]byte(`not json`), nil},
		{[]byte(`{"hook_id":1,"attempt":2,"event":"{}"}`), nil},
		{[]byte(`{"hook_id":-1,"attempt":2,"event":"{\"event_id\":\"x\"}"}`), nil},
	} {
		if got := PeekTraces(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("PeekTraces(%.60s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
