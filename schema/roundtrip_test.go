package schema

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"
)

// TestGoValuesRoundTrip checks that what encoding/json writes for each Go
// type (nil slices as null, omitempty fields absent) is valid against its
// schema and decodes to the same value: the service writes these records.
func TestGoValuesRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 27, 6, 0, 1, 250_000_000, time.UTC)
	later := at.Add(time.Minute)
	event := string(SampleLoadEvent("ev-1", 116078, 12345, false, at))
	failed := Attempt{Number: 1, StartedAt: at, DurationMS: 30000, Error: "context deadline exceeded"}
	status := Attempt{Number: 2, StartedAt: later, DurationMS: 12, Status: 500, Error: "status 500"}
	ok := Attempt{Number: 3, StartedAt: later, DurationMS: 9, Status: 204}
	tests := []struct {
		name   string
		value  any
		decode func([]byte) (any, error)
	}{
		{"load event", mustDecodeLoadEvent(t, []byte(event)), wrap(DecodeLoadEvent)},
		{"load failure", LoadFailure{EventID: "ev-2", ClientID: 1, DestinationID: 2, EmittedAt: at,
			IntegrationName: "shopify", SourceRootTableName: "orders", Error: "permission denied"}, wrap(DecodeLoadFailure)},
		{"load failure without error text", LoadFailure{EventID: "ev-2", ClientID: 1, DestinationID: 2, EmittedAt: at,
			IntegrationName: "shopify", SourceRootTableName: "orders"}, wrap(DecodeLoadFailure)},
		{"delivery", Delivery{Event: event, HookID: 42, Attempt: 3, DueAt: later,
			Error: "status 500", Attempts: []Attempt{failed, status}}, wrap(DecodeDelivery)},
		{"dead letter", DeadLetter{Event: event, EventID: "ev-1",
			Hook:     HookRef{ID: 42, ClientID: 116078, DestinationID: 12345, URL: "https://hooks.example.com/x"},
			Attempts: []Attempt{failed, status, ok}, FirstAttemptAt: at, LastAttemptAt: later,
			Reason: ReasonHookDisabled, DeadAt: later}, wrap(DecodeDeadLetter)},
		{"invalid", Invalid{Reason: "invalid JSON", Topic: "load-completed", Partition: 2, Offset: 7,
			Key: []byte("k"), Value: []byte{0xff, 0x00, '{'}, SeenAt: at}, wrap(DecodeInvalid)},
		{"invalid without key or value", Invalid{Reason: "invalid JSON", Topic: "load-completed",
			SeenAt: at}, wrap(DecodeInvalid)},
		{"hook", Hook{ID: 1, ClientID: 116078, Type: HookTypePostLoad, Version: HookVersion, DestinationID: 12345,
			Config:    HookConfig{URL: "https://hooks.example.com/x", Secret: "whsec_c2VjcmV0"},
			CreatedAt: at, ModifiedAt: at}, wrap(DecodeHook)},
		{"hook deleted", Hook{ID: 1, ClientID: 116078, Type: HookTypePostLoad, Version: HookVersion, DestinationID: 12345,
			Config:    HookConfig{URL: "https://hooks.example.com/x"},
			CreatedAt: at, ModifiedAt: later, DisabledAt: &later, DeletedAt: &later}, wrap(DecodeHook)},
		{"recipient", Recipient{ID: 3, ClientID: 116078, EmailAddress: "a@example.com", CreatedAt: at}, wrap(DecodeRecipient)},
		{"recipient deleted", Recipient{ID: 3, ClientID: 116078, EmailAddress: "a@example.com", CreatedAt: at,
			DisabledAt: &later, DeletedAt: &later}, wrap(DecodeRecipient)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.decode(b)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if !reflect.DeepEqual(got, tt.value) {
				t.Errorf("round trip changed the value:\n got %+v\nwant %+v", got, tt.value)
			}
		})
	}
}

// wrap adapts a Decode function to return any.
func wrap[T any](decode func([]byte) (T, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) { return decode(b) }
}

func mustDecodeLoadEvent(tb testing.TB, b []byte) LoadEvent {
	tb.Helper()
	ev, err := DecodeLoadEvent(b)
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

// TestDecodeConcurrently shares the compiled schemas between goroutines
// (run with -race to make it mean something).
func TestDecodeConcurrently(t *testing.T) {
	good := mustReadFile(t, "valid/delivery.json")
	bad := mustEdit(t, good, func(m map[string]any) { m["hook_id"] = 0 })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, err := DecodeDelivery(good); err != nil {
					t.Error(err)
				}
				if _, err := DecodeDelivery(bad); err == nil {
					t.Error("accepted hook_id 0")
				}
			}
		})
	}
	wg.Wait()
}
