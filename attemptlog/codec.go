package attemptlog

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/postload/postload/schema"
)

// The delivery log's records are written by every attempt and read back
// by every api process (docs/benchmarks.md, "Delivery log"): encode and
// decode do by hand what encoding/json does by reflection, with the same
// JSON (the type's tags and omitempty); decode hands any record it is not
// sure of to encoding/json, so the two never differ (a fuzz test holds
// them together).

// encode is a's record value, as json.Marshal writes it but for the
// escaping of <, > and &, which it leaves as they are.
func encode(a schema.LoggedAttempt) ([]byte, error) {
	b := make([]byte, 0, 192+len(a.EventID)+len(a.Response)+len(a.Error)+len(a.Endpoint))
	b = append(b, `{"event_id":`...)
	b = appendString(b, a.EventID)
	b = append(b, `,"hook_id":`...)
	b = strconv.AppendInt(b, a.HookID, 10)
	b = append(b, `,"client_id":`...)
	b = strconv.AppendInt(b, a.ClientID, 10)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(a.Attempt), 10)
	b = append(b, `,"at":`...)
	at, err := a.At.MarshalJSON() // RFC 3339 with nanoseconds, as json.Marshal
	if err != nil {
		return nil, err
	}
	b = append(b, at...)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendInt(b, a.DurationMS, 10)
	b = append(b, `,"outcome":`...)
	b = appendString(b, a.Outcome)
	if a.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(a.Status), 10)
	}
	if a.Response != "" {
		b = append(b, `,"response":`...)
		b = appendString(b, a.Response)
	}
	if a.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, a.Error)
	}
	b = append(b, `,"endpoint":`...)
	b = appendString(b, a.Endpoint)
	if a.Test {
		b = append(b, `,"test":true`...)
	}
	if a.Deliveries != 0 {
		b = append(b, `,"deliveries":`...)
		b = strconv.AppendInt(b, int64(a.Deliveries), 10)
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string: invalid UTF-8 as U+FFFD, as
// json.Marshal does.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decode reads a record value; a record without a hook id is refused.
// The record as encode writes it is read by exactDecode; other shapes of
// the same JSON by fastDecode; what neither is sure of by encoding/json.
func decode(b []byte) (schema.LoggedAttempt, error) {
	a, ok := exactDecode(b)
	if !ok {
		a, ok = fastDecode(b)
	}
	if !ok {
		a = schema.LoggedAttempt{}
		if err := json.Unmarshal(b, &a); err != nil {
			return a, err
		}
	}
	if a.HookID <= 0 {
		return a, errNoHook
	}
	return a, nil
}

// fastDecode reads a record of the shape encode writes; false for anything
// else (a key in another case or twice, a value of another type, a number
// not an integer), which encoding/json then reads.
func fastDecode(b []byte) (a schema.LoggedAttempt, ok bool) {
	if !gjson.ValidBytes(b) {
		return a, false
	}
	v := gjson.ParseBytes(b)
	if !v.IsObject() {
		return a, false
	}
	var seen uint16
	ok = true
	v.ForEach(func(k, val gjson.Result) bool {
		i, known := fields[k.Raw]
		switch {
		case !known:
			// encoding/json ignores an unknown key, but takes one that is
			// a field's in another case or with escapes for that field.
			ok = !strings.ContainsRune(k.Raw, '\\') && !matchesFold(k.Str)
		case seen&(1<<i) != 0:
			ok = false // twice: encoding/json takes the last
		default:
			seen |= 1 << i
			ok = setField(&a, i, val)
		}
		return ok
	})
	return a, ok
}

// fields are the record's keys, as they appear quoted in a record, by
// index for setField.
var fields = map[string]int{
	`"event_id"`: 0, `"hook_id"`: 1, `"client_id"`: 2, `"attempt"`: 3, `"at"`: 4, `"duration_ms"`: 5,
	`"outcome"`: 6, `"status"`: 7, `"response"`: 8, `"error"`: 9, `"endpoint"`: 10, `"test"`: 11,
	`"deliveries"`: 12,
}

// matchesFold reports whether key is one of fields in another case, which
// encoding/json would take for it.
func matchesFold(key string) bool {
	for f := range fields {
		if strings.EqualFold(strings.Trim(f, `"`), key) {
			return true
		}
	}
	return false
}

// setField sets field i of a from val; false when val is not of the type
// encoding/json would take for it, or not written plainly.
func setField(a *schema.LoggedAttempt, i int, val gjson.Result) bool {
	switch i {
	case 0, 6, 8, 9, 10:
		if val.Type == gjson.Null {
			return true // encoding/json leaves the field as it is
		}
		if val.Type != gjson.String || strings.ContainsRune(val.Raw, '\\') || !utf8.ValidString(val.Str) {
			return false // escapes and invalid UTF-8: encoding/json's rules
		}
		switch i {
		case 0:
			a.EventID = val.Str
		case 6:
			a.Outcome = val.Str
		case 8:
			a.Response = val.Str
		case 9:
			a.Error = val.Str
		default:
			a.Endpoint = val.Str
		}
	case 1, 2, 3, 5, 7, 12:
		n, ok := integer(val)
		if !ok {
			return val.Type == gjson.Null
		}
		switch i {
		case 1:
			a.HookID = n
		case 2:
			a.ClientID = n
		case 3:
			a.Attempt = int(n)
		case 5:
			a.DurationMS = n
		case 7:
			a.Status = int(n)
		default:
			a.Deliveries = int(n)
		}
	case 4:
		if val.Type != gjson.String {
			return val.Type == gjson.Null
		}
		if err := a.At.UnmarshalJSON([]byte(val.Raw)); err != nil {
			return false
		}
	case 11:
		switch val.Type {
		case gjson.True, gjson.False:
			a.Test = val.Type == gjson.True
		case gjson.Null:
		default:
			return false
		}
	}
	return true
}

// integer is val as an int64, when it is an integer written plainly.
func integer(val gjson.Result) (int64, bool) {
	if val.Type != gjson.Number || strings.ContainsAny(val.Raw, ".eE") {
		return 0, false
	}
	n, err := strconv.ParseInt(val.Raw, 10, 64)
	return n, err == nil
}

// exactDecode reads a record written by encode, field by field in encode's
// order, without escapes in its strings; false for anything else (which
// the other decoders read). Its strings share one copy of b.
func exactDecode(b []byte) (a schema.LoggedAttempt, ok bool) {
	d := exact{s: string(b)}
	a.EventID = d.str(`{"event_id":`)
	a.HookID = d.int(`,"hook_id":`)
	a.ClientID = d.int(`,"client_id":`)
	a.Attempt = int(d.int(`,"attempt":`))
	at := d.raw(`,"at":`)
	a.DurationMS = d.int(`,"duration_ms":`)
	a.Outcome = d.str(`,"outcome":`)
	if d.next(`,"status":`) {
		a.Status = int(d.int(`,"status":`))
	}
	if d.next(`,"response":`) {
		a.Response = d.str(`,"response":`)
	}
	if d.next(`,"error":`) {
		a.Error = d.str(`,"error":`)
	}
	a.Endpoint = d.str(`,"endpoint":`)
	if d.next(`,"test":true`) {
		d.lit(`,"test":true`)
		a.Test = true
	}
	if d.next(`,"deliveries":`) {
		a.Deliveries = int(d.int(`,"deliveries":`))
	}
	d.lit("}")
	if d.bad || d.s != "" || a.At.UnmarshalJSON([]byte(at)) != nil {
		return schema.LoggedAttempt{}, false
	}
	return a, true
}

// exact is exactDecode's reader: s is what is left to read; bad, once
// set, stays set.
type exact struct {
	s   string
	bad bool
}

// next reports whether what is left starts with p.
func (d *exact) next(p string) bool { return strings.HasPrefix(d.s, p) }

// lit reads p.
func (d *exact) lit(p string) {
	if d.bad || !strings.HasPrefix(d.s, p) {
		d.bad = true
		return
	}
	d.s = d.s[len(p):]
}

// raw reads key, then a string without escapes, and returns it quoted.
func (d *exact) raw(key string) string {
	d.lit(key)
	if d.bad || len(d.s) < 2 || d.s[0] != '"' {
		d.bad = true
		return ""
	}
	end := strings.IndexByte(d.s[1:], '"') + 1
	if end == 0 {
		d.bad = true
		return ""
	}
	v := d.s[:end+1]
	for i := 1; i < end; i++ {
		if c := v[i]; c < 0x20 || c == '\\' {
			d.bad = true // an escape, or what JSON does not allow raw
			return ""
		}
	}
	if !utf8.ValidString(v) {
		d.bad = true
		return ""
	}
	d.s = d.s[end+1:]
	return v
}

// str reads key, then a string without escapes.
func (d *exact) str(key string) string {
	v := d.raw(key)
	if d.bad {
		return ""
	}
	return v[1 : len(v)-1]
}

// int reads key, then an integer as encode writes it: an optional minus
// and digits, no leading zero.
func (d *exact) int(key string) int64 {
	d.lit(key)
	if d.bad {
		return 0
	}
	i := 0
	if i < len(d.s) && d.s[i] == '-' {
		i++
	}
	start := i
	for i < len(d.s) && d.s[i] >= '0' && d.s[i] <= '9' {
		i++
	}
	digits := d.s[start:i]
	if digits == "" || len(digits) > 1 && digits[0] == '0' {
		d.bad = true
		return 0
	}
	n, err := strconv.ParseInt(d.s[:i], 10, 64)
	if err != nil {
		d.bad = true
		return 0
	}
	d.s = d.s[i:]
	return n
}
