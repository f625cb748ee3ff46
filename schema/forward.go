package schema

import (
	"encoding/json"
	"slices"
	"time"
)

// Forward is a retry record read only as far as handing it on without an
// attempt needs: every field checked as DecodeRetry checks it, but the
// event kept as it is in the record, neither unescaped nor validated.
type Forward struct {
	HookID   int64
	Attempt  int // the number of the attempt it waits for
	attempts []Attempt
	event    json.RawMessage // the record's "event" value: a JSON string
}

// PeekForward reads b as a Forward. It declines (false) whatever the fast
// decoder of retry records declines; DecodeRetry then judges the record.
// The event is not checked: a record handed on this way is decoded in full
// by the tier that makes a request with it, or that makes it a dead letter.
func PeekForward(b []byte) (Forward, bool) {
	d, event, ok := fastDeliveryRaw(b)
	if !ok {
		return Forward{}, false
	}
	return Forward{HookID: d.HookID, Attempt: d.Attempt, attempts: d.Attempts, event: json.RawMessage(event.Raw)}, true
}

// Next returns the record of f after attempt a failed: a appended to the
// attempts and its error as the last, waiting for attempt next from due.
// It is what encoding the decoded record so changed gives, as a Delivery
// (the struct below is Delivery with the event raw: FuzzForward holds the
// two together).
func (f Forward) Next(a Attempt, next int, due time.Time) ([]byte, error) {
	return EncodeRecord(struct {
		Event    json.RawMessage `json:"event"`
		HookID   int64           `json:"hook_id"`
		Attempt  int             `json:"attempt"`
		DueAt    time.Time       `json:"due_at"`
		Error    string          `json:"error"`
		Attempts []Attempt       `json:"attempts"`
	}{f.event, f.HookID, next, due, a.Error, append(slices.Clip(f.attempts), a)})
}
