package schema

import (
	"slices"
	"strconv"
	"time"
)

// A retry record's life, in one place. A delivery starts as NewDelivery
// (attempt 1); each attempt that fails makes Next of it, each that does not
// count (interrupted, deferred) Again; it ends delivered, dropped, or as
// its DeadLetter. A Group carries deliveries refused together (NewGroup,
// Split), and a tier that hands a record on without decoding its events
// (Forward.Next) takes the same Next step. WebhookID names the delivery to
// its receiver and RecordKey keys every record about it. Records are
// encoded with EncodeRecord.

// Delivery is a retry record (value of postload.retry.N): one event for one
// hook, waiting for its next attempt. Key = RecordKey. A Group is the other
// kind of retry record. A field added here is added to
// delivery.schema.json, and to the fast reader's deliveryKeys (otherwise
// it declines every record that has it, and the validator decides).
type Delivery struct {
	// Event is the load event's message value, byte for byte as it arrived.
	// (Forward.Next writes one it did not decode in its place.)
	Event  string `json:"event"`
	HookID int64  `json:"hook_id"`
	// Attempt is the number of the next attempt (2 for the first retry).
	Attempt int `json:"attempt"`
	// DueAt is the earliest time the next attempt may start.
	DueAt time.Time `json:"due_at"`
	// Error is the last attempt's error.
	Error string `json:"error"`
	// Attempts are all attempts made so far, oldest first.
	Attempts []Attempt `json:"attempts"`
}

// NewDelivery is the retry record of event's delivery to hook hookID before
// its first attempt: attempt 1, no attempts yet, due at due. A replayed dead
// letter starts again as one.
func NewDelivery(event string, hookID int64, due time.Time) Delivery {
	return Delivery{Event: event, HookID: hookID, Attempt: 1, DueAt: due, Attempts: []Attempt{}}
}

// Next is d after its attempt a failed: a appended to the attempts, a's
// error the record's, waiting for the next attempt from due. The attempts
// are copied, never shared with d's.
func (d Delivery) Next(a Attempt, due time.Time) Delivery {
	d.Attempts = append(slices.Clip(d.Attempts), a)
	d.Error = a.Error
	d.Attempt++
	d.DueAt = due
	return d
}

// Again is d put back for the same attempt, which did not count (cut
// short by a shutdown, or deferred without a request): its attempts as
// they were, errText its error, due at due.
func (d Delivery) Again(errText string, due time.Time) Delivery {
	d.Error = errText
	d.DueAt = due
	return d
}

// DeadLetter is d as a dead letter at at: its event and every attempt it
// made, for hook (as it is now) and the event eventID, for reason.
func (d Delivery) DeadLetter(eventID string, hook HookRef, reason string, at time.Time) DeadLetter {
	l := DeadLetter{Event: d.Event, EventID: eventID, Hook: hook, Attempts: d.Attempts, Reason: reason, DeadAt: at}
	if l.Attempts == nil {
		l.Attempts = []Attempt{}
	}
	if len(l.Attempts) > 0 {
		l.FirstAttemptAt = l.Attempts[0].StartedAt
		l.LastAttemptAt = l.Attempts[len(l.Attempts)-1].StartedAt
	}
	return l
}

// Ref is how a dead letter names h.
func (h Hook) Ref() HookRef {
	return HookRef{ID: h.ID, ClientID: h.ClientID, DestinationID: h.DestinationID, URL: h.Config.URL}
}

// WebhookID is the contract's webhook-id of the delivery of event eventID
// to hook hookID, "<event_id>.<hook id>": the same on every attempt and on
// a replay, so that receivers dedupe on it.
func WebhookID(eventID string, hookID int64) string {
	return eventID + "." + strconv.FormatInt(hookID, 10)
}

// WebhookID is the webhook-id of l's delivery.
func (l DeadLetter) WebhookID() string { return WebhookID(l.EventID, l.Hook.ID) }

// RecordKey is the Kafka key of every record about a delivery of account
// clientID (retry records, groups, dead letters): the client id in
// decimal, so that an account's records share one partition per topic.
func RecordKey(clientID int64) []byte { return strconv.AppendInt(nil, clientID, 10) }
