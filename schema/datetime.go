package schema

import (
	"errors"
	"regexp"
	"time"
)

// rfc3339 is the shape of an RFC 3339 date-time as Go writes it: upper-case
// T and Z, optional fraction, offset Z or ±hh:mm.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// validateDateTime is the "date-time" format. It accepts exactly what
// time.Time's UnmarshalText accepts and RFC 3339 allows, so a value the
// schema passes always decodes into a time.Time: lower-case t and z and leap
// seconds (which Go refuses) are refused, and so is Go's comma fraction
// (which RFC 3339 refuses).
func validateDateTime(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if !rfc3339.MatchString(s) {
		return errors.New("want RFC 3339 such as 2026-11-27T06:00:00.123Z or 2026-11-27T07:00:00+01:00")
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		return errors.New("a field is out of range")
	}
	return nil
}
