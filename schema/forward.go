package schema

import (
	"encoding/json"
	"slices"
	"time"
)

// Forward is a retry record, a single delivery or a group, read only as far
// as handing it on without an attempt needs: every field checked as the
// full decoder checks it, but the events kept as they are in the record,
// neither unescaped nor validated.
type Forward struct {
	HookID  int64
	Attempt int // the number of the attempt it waits for
	// Deliveries is how many deliveries the record holds: 1 but for a group.
	Deliveries int
	attempts   []Attempt       // a single delivery's, or a group's own
	event      json.RawMessage // a single delivery's "event": a JSON string
	group      bool
	members    json.RawMessage // a group's "deliveries"
}

// PeekForward reads b as a Forward. It declines (false) a single delivery
// that the fast decoder of retry records declines, and a group whose fields
// other than its deliveries that decoder would decline; the full decoders
// then judge the record. The events are not checked: a record handed on this way is
// decoded in full by the tier that makes a request with it, or that makes
// it a dead letter.
func PeekForward(b []byte) (Forward, bool) {
	if IsGroup(b) {
		return peekGroup(b)
	}
	d, event, ok := fastDeliveryRaw(b)
	if !ok {
		return Forward{}, false
	}
	return Forward{HookID: d.HookID, Attempt: d.Attempt, Deliveries: 1, attempts: d.Attempts, event: json.RawMessage(event.Raw)}, true
}

// Next returns the record of f after attempt a failed: a appended to the
// attempts (a group's own) and its error as the last, waiting for attempt
// next from due. It is what encoding the decoded record so changed gives
// (the structs below are Delivery and Group with the events raw:
// FuzzForward holds them together).
func (f Forward) Next(a Attempt, next int, due time.Time) ([]byte, error) {
	attempts := append(slices.Clip(f.attempts), a)
	if !f.group {
		return EncodeRecord(struct {
			Event    json.RawMessage `json:"event"`
			HookID   int64           `json:"hook_id"`
			Attempt  int             `json:"attempt"`
			DueAt    time.Time       `json:"due_at"`
			Error    string          `json:"error"`
			Attempts []Attempt       `json:"attempts"`
		}{f.event, f.HookID, next, due, a.Error, attempts})
	}
	head, err := EncodeRecord(struct {
		HookID   int64     `json:"hook_id"`
		Attempt  int       `json:"attempt"`
		DueAt    time.Time `json:"due_at"`
		Error    string    `json:"error"`
		Attempts []Attempt `json:"attempts"`
	}{f.HookID, next, due, a.Error, attempts})
	if err != nil {
		return nil, err
	}
	// The deliveries are copied as they are, not re-encoded (encoding a
	// json.RawMessage would scan them all again).
	out := make([]byte, 0, len(head)+len(`,"deliveries":`)+len(f.members))
	out = append(out, head[:len(head)-1]...)
	out = append(out, `,"deliveries":`...)
	out = append(out, f.members...)
	return append(out, '}'), nil
}
