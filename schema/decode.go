package schema

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// DecodeLoadEvent decodes the value of a load-completed or load-rejected
// message. Payload holds the payload's bytes exactly as they are in b.
func DecodeLoadEvent(b []byte) (LoadEvent, error) {
	if ev, ok := fastLoadEvent(b); ok {
		return ev, nil
	}
	return decode[LoadEvent](schemas().loadEvent, b, "")
}

// DecodeLoadFailure decodes the value of a load-failed message.
func DecodeLoadFailure(b []byte) (LoadFailure, error) {
	return decode[LoadFailure](schemas().loadFailure, b, "")
}

// DecodeDelivery decodes a retry record (value of postload.retry.N). Its
// Event must itself be a load event that DecodeLoadEvent accepts.
func DecodeDelivery(b []byte) (Delivery, error) {
	d, _, err := DecodeRetry(b)
	return d, err
}

// DecodeRetry is DecodeDelivery that also returns the load event the
// record carries, decoded once.
func DecodeRetry(b []byte) (Delivery, LoadEvent, error) {
	d, ok := fastDelivery(b)
	var err error
	if !ok {
		d, err = decode[Delivery](schemas().delivery, b, "")
	}
	var ev LoadEvent
	if err == nil {
		ev, err = checkEvent(d.Event)
	}
	if err != nil {
		return Delivery{}, LoadEvent{}, err
	}
	return d, ev, nil
}

// PeekHookID reads only the hook_id of a retry record, without validating
// it; false when it is missing or not a positive integer.
func PeekHookID(b []byte) (int64, bool) {
	return positiveInt(gjson.GetBytes(b, "hook_id"))
}

// PeekDueAt reads only the due_at of a retry record, without validating
// it (DecodeRetry does that when the record is handled); false when it is
// missing or not a time.
func PeekDueAt(b []byte) (time.Time, bool) {
	v := gjson.GetBytes(b, "due_at")
	if v.Type != gjson.String {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v.Str)
	return t, err == nil
}

// DecodeDeadLetter decodes a dead letter (value of postload.dlq). Its Event
// must itself be a load event that DecodeLoadEvent accepts.
func DecodeDeadLetter(b []byte) (DeadLetter, error) {
	d, err := decode[DeadLetter](schemas().deadLetter, b, "")
	if err == nil {
		_, err = checkEvent(d.Event)
	}
	if err != nil {
		return DeadLetter{}, err
	}
	return d, nil
}

// DecodeInvalid decodes an invalid-message record (value of postload.invalid).
func DecodeInvalid(b []byte) (Invalid, error) {
	return decode[Invalid](schemas().invalid, b, "")
}

// DecodeHook decodes a hook (API body or value of postload.hooks).
func DecodeHook(b []byte) (Hook, error) {
	return decode[Hook](schemas().hook, b, "")
}

// DecodeRecipient decodes a recipient (API body or value of
// postload.recipients).
func DecodeRecipient(b []byte) (Recipient, error) {
	return decode[Recipient](schemas().recipient, b, "")
}

// checkEvent checks the load event a retry record or dead letter carries as
// a string (the schemas say so with contentSchema, an annotation only).
func checkEvent(event string) (LoadEvent, error) { return checkEventAt(event, "/event") }

// checkEventAt is checkEvent for an event at the JSON pointer at.
func checkEventAt(event, at string) (LoadEvent, error) {
	if ev, ok := fastLoadEvent([]byte(event)); ok {
		return ev, nil
	}
	return decode[LoadEvent](schemas().loadEvent, []byte(event), at)
}

// decode accepts b only if it is valid UTF-8, one JSON value and valid
// against sch, then unmarshals it into a T. Every error wraps ErrInvalid;
// its reason locates the problem under at, the JSON pointer of b within the
// message ("" when b is the message).
func decode[T any](sch *jsonschema.Schema, b []byte, at string) (T, error) {
	var zero, v T
	doc, reason, cause := parse(b)
	if reason == "" {
		reason = checkNumbers(doc)
	}
	if reason != "" {
		return zero, invalid(where(at)+reason, cause)
	}
	if err := sch.Validate(doc); err != nil {
		return zero, invalid(schemaReason(err, at), err)
	}
	// The schema closes every object a Go type maps, so no key reaches a
	// field unchecked through encoding/json's case-insensitive matching.
	if err := json.Unmarshal(b, &v); err != nil {
		// The schema admits a few values the Go types cannot hold, such as
		// 1.0 for an integer.
		return zero, invalid("decode: "+where(at)+strings.TrimPrefix(err.Error(), "json: "), err)
	}
	return v, nil
}

// where prefixes a reason with a location, if there is one.
func where(at string) string {
	if at == "" {
		return ""
	}
	return at + ": "
}
