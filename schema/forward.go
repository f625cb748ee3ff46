package schema

import (
	"bytes"
	"encoding/json"
	"time"
)

// Forward is a retry record read only as far as handing it on without an
// attempt needs: every field checked as DecodeRetry checks it, but the
// event kept as it is in the record, neither unescaped nor validated.
type Forward struct {
	HookID  int64
	Attempt int // the number of the attempt it waits for
	d       Delivery
	event   json.RawMessage // the record's "event" value: a JSON string
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
	return Forward{HookID: d.HookID, Attempt: d.Attempt, d: d, event: json.RawMessage(event.Raw)}, true
}

// Next returns the record of f after attempt a failed: a appended to the
// attempts and its error as the last, waiting for attempt next from due.
// It is what encoding the decoded record so changed gives, as a Delivery.
func (f Forward) Next(a Attempt, next int, due time.Time) ([]byte, error) {
	attempts := make([]Attempt, len(f.d.Attempts), len(f.d.Attempts)+1)
	copy(attempts, f.d.Attempts)
	return EncodeRecord(struct {
		Event    json.RawMessage `json:"event"`
		HookID   int64           `json:"hook_id"`
		Attempt  int             `json:"attempt"`
		DueAt    time.Time       `json:"due_at"`
		Error    string          `json:"error"`
		Attempts []Attempt       `json:"attempts"`
	}{f.event, f.HookID, next, due, a.Error, append(attempts, a)})
}

// EncodeRecord encodes a record as json.Marshal does but leaves <, > and &
// as they are: records are read by postload, not put into HTML, and
// escaped as \u003c, \u003e and \u0026 they would keep every record whose
// event holds one of them off the decoders' fast paths.
func EncodeRecord(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
