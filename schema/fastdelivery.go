package schema

import (
	"bytes"
	"strconv"

	"github.com/tidwall/gjson"
)

// fastDelivery decodes b when it is certainly a valid retry record against
// delivery.schema.json, checking the schema's rules directly: a tier
// re-handles every record of a dead endpoint as it comes due, and the
// generic validator was four fifths of that cost. ok is false whenever it
// cannot be sure; DecodeRetry then lets the validator decide. The event
// inside is not checked here (checkEvent does that). FuzzFastDelivery holds
// it to the validator.
func fastDelivery(b []byte) (Delivery, bool) {
	d, event, ok := fastDeliveryRaw(b)
	if !ok {
		return Delivery{}, false
	}
	d.Event = event.Str
	return d, true
}

// fastDeliveryRaw is fastDelivery but for the event, which it returns as
// found, not yet unescaped.
func fastDeliveryRaw(b []byte) (d Delivery, event gjson.Result, ok bool) {
	// \u escapes (lone surrogates among them) are left to the validator.
	if bytes.Contains(b, []byte(`\u`)) || !plainJSON(b) {
		return Delivery{}, event, false
	}
	var f [len(deliveryKeys)]gjson.Result
	if !object(gjson.ParseBytes(b), deliveryKeys[:], true, f[:]) {
		return Delivery{}, event, false
	}
	if f[0].Type != gjson.String || f[4].Type != gjson.String {
		return Delivery{}, event, false
	}
	if d, ok = fastHead(f[1], f[2], f[3], f[5]); !ok {
		return Delivery{}, event, false
	}
	event, d.Error = f[0], f[4].Str
	return d, event, true
}

// fastHead reads the fields a single delivery and a group share, checked
// as their schemas check them: hook_id, attempt, due_at and attempts.
func fastHead(hookID, attempt, dueAt, attempts gjson.Result) (d Delivery, ok bool) {
	if d.HookID, ok = positiveInt(hookID); !ok {
		return Delivery{}, false
	}
	n, ok := positiveInt(attempt)
	if !ok || n > MaxAttempts {
		return Delivery{}, false
	}
	d.Attempt = int(n)
	if d.DueAt, ok = dateTime(dueAt); !ok || !attempts.IsArray() {
		return Delivery{}, false
	}
	d.Attempts = []Attempt{}
	attempts.ForEach(func(_, v gjson.Result) bool {
		var a Attempt
		if a, ok = fastAttempt(v); ok {
			d.Attempts = append(d.Attempts, a)
		}
		return ok && len(d.Attempts) <= MaxAttempts
	})
	if !ok || len(d.Attempts) > MaxAttempts {
		return Delivery{}, false
	}
	return d, true
}

var (
	deliveryKeys = [...]string{"event", "hook_id", "attempt", "due_at", "error", "attempts"}
	attemptKeys  = [...]string{"number", "started_at", "duration_ms", "status", "error", "skipped"}
)

func fastAttempt(v gjson.Result) (Attempt, bool) {
	var f [len(attemptKeys)]gjson.Result
	if !object(v, attemptKeys[:], true, f[:]) {
		return Attempt{}, false
	}
	var a Attempt
	var err error
	n, ok := positiveInt(f[0])
	if !ok || n > MaxAttempts {
		return Attempt{}, false
	}
	a.Number = int(n)
	if a.StartedAt, ok = dateTime(f[1]); !ok {
		return Attempt{}, false
	}
	if !count(f[2]) {
		return Attempt{}, false
	}
	if a.DurationMS, err = strconv.ParseInt(f[2].Raw, 10, 64); err != nil {
		return Attempt{}, false
	}
	if f[3].Exists() {
		s, ok := positiveInt(f[3])
		if !ok || s < 100 || s > 599 {
			return Attempt{}, false
		}
		a.Status = int(s)
	}
	if f[4].Exists() {
		if a.Error, ok = stringOf(f[4], 1, -1); !ok {
			return Attempt{}, false
		}
	}
	if f[5].Exists() {
		if f[5].Type != gjson.True {
			return Attempt{}, false
		}
		a.Skipped = true
	}
	return a, true
}
