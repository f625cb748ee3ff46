package schema

import (
	"bytes"
	"errors"
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

// Next is the record of f after its attempt a failed, encoded: the step
// Delivery.Next takes (for a group, on the group's own fields), with the
// events copied as they are, not unescaped and escaped again. It is what
// encoding the decoded record after that step gives (FuzzForward holds
// them together).
func (f Forward) Next(a Attempt, due time.Time) ([]byte, error) {
	h := f.head.Next(a, due)
	if f.group {
		return encodeGroupRaw(Group{HookID: h.HookID, Attempt: h.Attempt, DueAt: h.DueAt, Error: h.Error, Attempts: h.Attempts}, f.members)
	}
	return encodeDeliveryRaw(h, f.event)
}

// encodeDeliveryRaw is EncodeRecord(d) with event, a JSON string, as the
// encoding of d's Event: d's first field, so it follows `{"event":`.
func encodeDeliveryRaw(d Delivery, event string) ([]byte, error) {
	const empty = `{"event":""`
	d.Event = ""
	b, err := EncodeRecord(d)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(empty)) {
		return nil, errors.New("a retry record's encoding does not start with its event")
	}
	out := make([]byte, 0, len(b)+len(event))
	out = append(out, empty[:len(empty)-2]...)
	out = append(out, event...)
	return append(out, b[len(empty):]...), nil
}

// encodeGroupRaw is EncodeRecord(g) with members, a JSON array, as the
// encoding of g's Deliveries: g's last field, so it ends the record.
func encodeGroupRaw(g Group, members string) ([]byte, error) {
	const none = `"deliveries":null}`
	g.Deliveries = nil
	b, err := EncodeRecord(g)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b, []byte(none)) {
		return nil, errors.New("a group record's encoding does not end with its deliveries")
	}
	out := make([]byte, 0, len(b)+len(members))
	out = append(out, b[:len(b)-len("null}")]...)
	out = append(out, members...)
	return append(out, '}'), nil
}
