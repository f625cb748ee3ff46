package schema

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// fastLoadEvent decodes b when it is certainly valid against
// load-event.schema.json, checking the schema's rules directly instead of
// through the generic validator (a fifth of the cost, on the hot path of
// every event). ok is false whenever it cannot be sure; DecodeLoadEvent then
// lets the validator decide and give the reason. Its accepting only what
// the schema accepts is checked by FuzzFastLoadEvent against the validator.
func fastLoadEvent(b []byte) (LoadEvent, bool) {
	if !plainJSON(b) {
		return LoadEvent{}, false
	}
	var env [len(envelopeKeys)]gjson.Result
	if !object(gjson.ParseBytes(b), envelopeKeys[:], true, env[:]) {
		return LoadEvent{}, false
	}
	var ev LoadEvent
	var ok bool
	if ev.EventID, ok = stringOf(env[0], 1, 128); !ok || hasControl(ev.EventID) {
		return LoadEvent{}, false
	}
	if ev.ClientID, ok = positiveInt(env[1]); !ok {
		return LoadEvent{}, false
	}
	if ev.DestinationID, ok = positiveInt(env[2]); !ok {
		return LoadEvent{}, false
	}
	if ev.EmittedAt, ok = dateTime(env[3]); !ok {
		return LoadEvent{}, false
	}
	if !validPayload(env[4]) {
		return LoadEvent{}, false
	}
	ev.Payload = json.RawMessage(env[4].Raw) // the bytes exactly as in b
	return ev, true
}

var (
	envelopeKeys = [...]string{"event_id", "client_id", "destination_id", "emitted_at", "payload"}
	payloadKeys  = [...]string{"version", "integration_name", "source_root_table_name", "destination_root_table_name",
		"minimum_sdc_batched_at", "new_version", "table_version", "tables"}
	tableKeys    = [...]string{"source_table_name", "destination_table_name", "num_rows", "num_rows_rejected", "max_time_extracted", "s3_objects", "bookmark_metadata"}
	bookmarkKeys = [...]string{"key", "min_value", "max_value"}
)

// object puts the values of keys in v into out (len(keys) long), in the
// order of keys (a missing key's value does not Exist). It is false when v is
// not an object, when one of keys appears twice (plainJSON already declined
// that; this keeps object safe on its own), or, if closed, when another key
// is present.
func object(v gjson.Result, keys []string, closed bool, out []gjson.Result) bool {
	if !v.IsObject() {
		return false
	}
	clear(out)
	ok := true
	v.ForEach(func(k, val gjson.Result) bool {
		i := slices.Index(keys, k.Str)
		switch {
		case i < 0:
			ok = !closed
		case out[i].Exists():
			ok = false
		default:
			out[i] = val
		}
		return ok
	})
	return ok
}

func validPayload(v gjson.Result) bool {
	var p [len(payloadKeys)]gjson.Result
	if !object(v, payloadKeys[:], false, p[:]) {
		return false
	}
	ok := true
	for _, s := range p[:4] {
		if _, ok := stringOf(s, 1, -1); !ok {
			return false
		}
	}
	if _, ok := dateTime(p[4]); !ok {
		return false
	}
	if p[5].Type != gjson.True && p[5].Type != gjson.False {
		return false
	}
	if !count(p[6]) || !p[7].IsArray() {
		return false
	}
	n := 0
	p[7].ForEach(func(_, t gjson.Result) bool {
		n++
		ok = validTable(t)
		return ok
	})
	return ok && n > 0
}

func validTable(v gjson.Result) bool {
	var t [len(tableKeys)]gjson.Result
	if !object(v, tableKeys[:], false, t[:]) {
		return false
	}
	ok := true
	for _, s := range t[:2] {
		if _, ok := stringOf(s, 1, -1); !ok {
			return false
		}
	}
	if !count(t[2]) || !count(t[3]) {
		return false
	}
	if _, ok := dateTime(t[4]); !ok {
		return false
	}
	if s3 := t[5]; s3.Exists() {
		if !s3.IsArray() {
			return false
		}
		s3.ForEach(func(_, o gjson.Result) bool {
			_, ok = stringOf(o, 1, -1)
			return ok
		})
		if !ok {
			return false
		}
	}
	bm := t[6]
	switch {
	case !bm.Exists():
		return false
	case bm.Type == gjson.Null:
		return true
	case !bm.IsArray():
		return false
	}
	var f [len(bookmarkKeys)]gjson.Result
	bm.ForEach(func(_, m gjson.Result) bool {
		if ok = object(m, bookmarkKeys[:], false, f[:]); !ok {
			return false
		}
		_, ok = stringOf(f[0], 1, -1)
		ok = ok && f[1].Exists() && f[2].Exists()
		return ok
	})
	return ok
}

// stringOf is a JSON string of min to max characters (max < 0: no limit).
func stringOf(v gjson.Result, minLen, maxLen int) (string, bool) {
	if v.Type != gjson.String {
		return "", false
	}
	n := utf8.RuneCountInString(v.Str)
	return v.Str, n >= minLen && (maxLen < 0 || n <= maxLen)
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
func positiveInt(v gjson.Result) (int64, bool) {
	n := v.Raw
	if v.Type != gjson.Number || len(n) == 0 || n[0] < '1' || n[0] > '9' || !digits(n) {
		return 0, false
	}
	i, err := strconv.ParseInt(n, 10, 64)
	return i, err == nil
}

// count is a plain decimal integer from 0 that fits an int64.
func count(v gjson.Result) bool {
	if v.Type == gjson.Number && v.Raw == "0" {
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

// dateTime is a JSON string the schema's date-time format accepts.
func dateTime(v gjson.Result) (time.Time, bool) {
	if v.Type != gjson.String || validateDateTime(v.Str) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v.Str)
	return t, err == nil
}

// plainJSON reports that b is valid UTF-8 and valid JSON whose numbers
// are all plain and whose objects repeat no name (see plainText): what
// the fast paths start from.
func plainJSON(b []byte) bool {
	return utf8Plain(b) && gjson.ValidBytes(b)
}

// utf8Plain is plainJSON's test for a part of a JSON text: valid UTF-8
// and plain text.
func utf8Plain(b []byte) bool { return utf8.Valid(b) && plainText(b) }
