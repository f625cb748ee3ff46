package schema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// fastLoadEvent decodes b when it is certainly valid against
// load-event.schema.json, checking the schema's rules directly instead of
// through the generic validator (a fifth of the cost, on the hot path of
// every event). ok is false whenever it cannot be sure; DecodeLoadEvent then
// lets the validator decide and give the reason. Its accepting only what
// the schema accepts is checked by FuzzFastLoadEvent against the validator.
func fastLoadEvent(b []byte) (LoadEvent, bool) {
	if !utf8.Valid(b) || !plainNumbers(b) {
		return LoadEvent{}, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var env map[string]any
	if d.Decode(&env) != nil || d.InputOffset() != int64(len(bytes.TrimRight(b, " \t\r\n"))) || len(env) != 5 {
		return LoadEvent{}, false
	}
	var ev LoadEvent
	var ok bool
	if ev.EventID, ok = stringOf(env["event_id"], 1, 128); !ok || hasControl(ev.EventID) {
		return LoadEvent{}, false
	}
	if ev.ClientID, ok = positiveInt(env["client_id"]); !ok {
		return LoadEvent{}, false
	}
	if ev.DestinationID, ok = positiveInt(env["destination_id"]); !ok {
		return LoadEvent{}, false
	}
	if ev.EmittedAt, ok = dateTime(env["emitted_at"]); !ok {
		return LoadEvent{}, false
	}
	if !validPayload(env["payload"]) {
		return LoadEvent{}, false
	}
	// The envelope's keys are exactly the five, so "payload" is the only
	// key that encoding/json's case-insensitive matching can take here.
	var raw struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(b, &raw) != nil {
		return LoadEvent{}, false
	}
	ev.Payload = raw.Payload
	return ev, true
}

func validPayload(v any) bool {
	p, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, k := range []string{"version", "integration_name", "source_root_table_name", "destination_root_table_name"} {
		if _, ok := stringOf(p[k], 1, -1); !ok {
			return false
		}
	}
	if _, ok := dateTime(p["minimum_sdc_batched_at"]); !ok {
		return false
	}
	if _, ok := p["new_version"].(bool); !ok {
		return false
	}
	if !count(p["table_version"]) {
		return false
	}
	tables, ok := p["tables"].([]any)
	if !ok || len(tables) == 0 {
		return false
	}
	for _, t := range tables {
		t, ok := t.(map[string]any)
		if !ok || !validTable(t) {
			return false
		}
	}
	return true
}

func validTable(t map[string]any) bool {
	for _, k := range []string{"source_table_name", "destination_table_name"} {
		if _, ok := stringOf(t[k], 1, -1); !ok {
			return false
		}
	}
	if !count(t["num_rows"]) || !count(t["num_rows_rejected"]) {
		return false
	}
	if _, ok := dateTime(t["max_time_extracted"]); !ok {
		return false
	}
	if v, present := t["s3_objects"]; present {
		objs, ok := v.([]any)
		if !ok {
			return false
		}
		for _, o := range objs {
			if _, ok := stringOf(o, 1, -1); !ok {
				return false
			}
		}
	}
	bm, present := t["bookmark_metadata"]
	if !present {
		return false
	}
	if bm == nil {
		return true
	}
	marks, ok := bm.([]any)
	if !ok {
		return false
	}
	for _, m := range marks {
		m, ok := m.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := stringOf(m["key"], 1, -1); !ok {
			return false
		}
		if _, ok := m["min_value"]; !ok {
			return false
		}
		if _, ok := m["max_value"]; !ok {
			return false
		}
	}
	return true
}

// stringOf is a string of min to max characters (max < 0: no limit).
func stringOf(v any, minLen, maxLen int) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	n := utf8.RuneCountInString(s)
	return s, n >= minLen && (maxLen < 0 || n <= maxLen)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// positiveInt is a plain decimal integer from 1 to the int64 maximum.
func positiveInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || len(n) == 0 || n[0] < '1' || n[0] > '9' || !digits(string(n)) {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// count is a plain decimal integer from 0 that fits an int64.
func count(v any) bool {
	if n, ok := v.(json.Number); ok && n == "0" {
		return true
	}
	_, ok := positiveInt(v)
	return ok
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateTime is a string the schema's date-time format accepts.
func dateTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || validateDateTime(s) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// plainNumbers reports that every number in the JSON text b is short and
// has no exponent, so that the number limits (numbers.go) cannot apply. It
// only looks outside strings; b need not be valid JSON.
func plainNumbers(b []byte) bool {
	inString, escaped, run := false, false, 0
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, run = true, 0
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if run++; run > maxNumberLen {
				return false
			}
		case c == 'E' || (c == 'e' && run > 0):
			return false // an exponent ('e' right after digits; "true"/"false" have none before)
		default:
			run = 0
		}
	}
	return true
}
