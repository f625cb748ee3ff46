package schema

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"
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
	// head holds the fields of the record but its events: a single
	// delivery's (Event empty), or a group's own.
	head    Delivery
	event   string // a single delivery's "event": a JSON string as read
	group   bool
	members string // a group's "deliveries": a JSON array as read
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
	return Forward{HookID: d.HookID, Attempt: d.Attempt, Deliveries: 1, head: d, event: event.Raw}, true
}

// FirstEventID is the event id of f's first delivery ("" for an event
// without one), without unescaping the others.
func (f Forward) FirstEventID() string {
	if !f.group {
		return eventIDOf(gjson.Parse(f.event))
	}
	return eventIDOf(gjson.Get(f.members, "0.event"))
}

// eventIDOf is the event_id of the event in the JSON string event.
func eventIDOf(event gjson.Result) string {
	return gjson.Get(event.Str, "event_id").Str
}

// Next is the record of f after its attempt a failed, encoded: the step
// Delivery.Next takes (for a group, on the group's own fields), with the
// events copied as they are, not unescaped and escaped again. It is what
// encoding the decoded record after that step gives (FuzzForward holds
// them together).
func (f Forward) Next(a Attempt, due time.Time) ([]byte, error) {
	h := f.head.Next(a, due)
	if f.group {
		g := Group{HookID: h.HookID, Attempt: h.Attempt, DueAt: h.DueAt, Error: h.Error, Attempts: h.Attempts}
		return encodeFilled(g, `"deliveries":null`, f.members)
	}
	h.Event = ""
	return encodeFilled(h, `"event":""`, f.event)
}

// encodeFilled is EncodeRecord(rec) with raw, JSON as read, as the value
// of the member that rec's encoding holds empty. A member outside any
// string is found by its text: inside one its quotes would be escaped.
func encodeFilled(rec any, empty, raw string) ([]byte, error) {
	b, err := EncodeRecord(rec)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(b, []byte(empty))
	if i < 0 {
		return nil, fmt.Errorf("the record's encoding holds no %s", empty)
	}
	name := empty[:strings.IndexByte(empty, ':')+1]
	out := make([]byte, 0, len(b)+len(raw))
	out = append(out, b[:i]...)
	out = append(out, name...)
	out = append(out, raw...)
	return append(out, b[i+len(empty):]...), nil
}
