package schema

import "github.com/tidwall/gjson"

// Trace is what a record postload wrote says about one delivery.
type Trace struct {
	EventID string
	HookID  int64
	// Attempt is the attempt a retry record waits for; 0 in a dead letter.
	Attempt int
	Dead    bool // a dead letter
}

// PeekTraces returns the deliveries that a retry record (single or group)
// or a dead letter is about, reading only the fields that say so, without
// validating the record; nil when b reads as neither. A worker that takes a
// partition over after a crash uses it to find what its predecessor handed
// on.
func PeekTraces(b []byte) []Trace {
	r := gjson.ParseBytes(b)
	if !r.IsObject() {
		return nil
	}
	if r.Get("dead_at").Exists() {
		id, ok := positiveInt(r.Get("hook.id"))
		ev := r.Get("event_id")
		if !ok || ev.Type != gjson.String {
			return nil
		}
		return []Trace{{EventID: ev.Str, HookID: id, Dead: true}}
	}
	hook, ok := positiveInt(r.Get("hook_id"))
	attempt, ok2 := positiveInt(r.Get("attempt"))
	if !ok || !ok2 || attempt > MaxAttempts {
		return nil
	}
	eventID := func(event gjson.Result) (string, bool) {
		if event.Type != gjson.String {
			return "", false
		}
		id := gjson.Get(event.Str, "event_id")
		return id.Str, id.Type == gjson.String
	}
	if ds := r.Get("deliveries"); ds.Exists() {
		var out []Trace
		ds.ForEach(func(_, m gjson.Result) bool {
			if id, ok := eventID(m.Get("event")); ok {
				out = append(out, Trace{EventID: id, HookID: hook, Attempt: int(attempt)})
			}
			return true
		})
		return out
	}
	if id, ok := eventID(r.Get("event")); ok {
		return []Trace{{EventID: id, HookID: hook, Attempt: int(attempt)}}
	}
	return nil
}
