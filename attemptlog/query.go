package attemptlog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/postload/postload/schema"
)

// Query selects a hook's attempts.
type Query struct {
	// Since and Until bound the attempts' start time: Since <= at < Until;
	// zero is unbounded.
	Since, Until time.Time
	// EventID, if set, selects the attempts of that event.
	EventID string
	// Outcome, if set, is one of the schema.Logged… outcomes.
	Outcome string
	// Limit is the most attempts a Page holds; at least 1.
	Limit int
	// Cursor, if set, is a Page's Next: the page after it.
	Cursor string
}

// Page is one page of a hook's attempts, newest first.
type Page struct {
	Attempts []schema.LoggedAttempt
	// Next is the cursor of the next page; "" when this one is the last.
	Next string
}

// ErrBadCursor is a Query.Cursor that no Page gave.
var ErrBadCursor = errors.New("cursor is not one a reply gave: pass a reply's next unchanged")

// position is where an attempt is in a hook's log: the order of the
// index (by start time, then by where it is in the topic), and of
// cursors. Being the record's place in the topic, it is the same in
// every process and after a restart.
type position struct {
	at        int64 // unix nanoseconds
	partition int32
	offset    int64
	line      int32 // the attempt's line in its record (see Writer.write)
}

func (p position) less(q position) bool {
	if p.at != q.at {
		return p.at < q.at
	}
	if p.partition != q.partition {
		return p.partition < q.partition
	}
	if p.offset != q.offset {
		return p.offset < q.offset
	}
	return p.line < q.line
}

// cursor is p as an opaque cursor.
func (p position) cursor() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "2:%d:%d:%d:%d", p.at, p.partition, p.offset, p.line))
}

// parseCursor reads a cursor that position.cursor made.
func parseCursor(s string) (position, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, ErrBadCursor
	}
	var p position
	var v int
	if n, err := fmt.Sscanf(string(b), "%d:%d:%d:%d:%d", &v, &p.at, &p.partition, &p.offset, &p.line); err != nil || n != 5 || v != 2 ||
		p.offset < 0 || p.partition < 0 || p.line < 0 {
		return position{}, ErrBadCursor
	}
	if p.cursor() != s { // trailing bytes, or a number written otherwise
		return position{}, ErrBadCursor
	}
	return p, nil
}

// selects reports whether q selects a.
func (q Query) selects(a *schema.LoggedAttempt) bool {
	switch {
	case !q.Since.IsZero() && a.At.Before(q.Since):
		return false
	case !q.Until.IsZero() && !a.At.Before(q.Until):
		return false
	case q.EventID != "" && a.EventID != q.EventID:
		return false
	case q.Outcome != "" && a.Outcome != q.Outcome:
		return false
	}
	return true
}
