package dlq

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/postload/postload/schema"
)

// Entry is one dead letter as it is stored on the DLQ topic.
type Entry struct {
	// ID is "<partition>-<offset>": unique and stable for as long as the
	// record is kept.
	ID        string `json:"id"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	// Time is the Kafka record's timestamp.
	Time       time.Time         `json:"time"`
	DeadLetter schema.DeadLetter `json:"dead_letter"`
}

// MarshalJSON writes e with requests_sent and attempts_skipped: how many
// of its attempts sent a request and how many the open circuit breaker
// skipped without one. They are derived from the attempts (the record
// does not store them), so they always agree.
func (e Entry) MarshalJSON() ([]byte, error) {
	type entry Entry // without this method
	sent, skipped := schema.CountAttempts(e.DeadLetter.Attempts)
	return json.Marshal(struct {
		entry
		RequestsSent    int `json:"requests_sent"`
		AttemptsSkipped int `json:"attempts_skipped"`
	}{entry(e), sent, skipped})
}

// entryID returns the id of the record at partition and offset.
func entryID(partition int, offset int64) string {
	return strconv.Itoa(partition) + "-" + strconv.FormatInt(offset, 10)
}

// Filter selects dead letters. Its zero value selects all of them.
type Filter struct {
	// ClientID and HookID select one account and one hook; 0 is any.
	ClientID int64
	HookID   int64
	// Since and Until bound dead_at: Since <= dead_at < Until. A zero time
	// leaves that side open.
	Since time.Time
	Until time.Time
	// Limit stops after that many matching dead letters; 0 is no limit.
	Limit int
}

// Validate reports what to fix in f.
func (f Filter) Validate() error {
	var errs []error
	if f.ClientID < 0 || f.HookID < 0 {
		errs = append(errs, errors.New("dlq: client and hook ids are positive (0 for any)"))
	}
	if f.Limit < 0 {
		errs = append(errs, fmt.Errorf("dlq: limit %d: give 0 (none) or more", f.Limit))
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		errs = append(errs, errors.New("dlq: since must be before until"))
	}
	return errors.Join(errs...)
}

// Match reports whether f selects dl (Limit aside).
func (f Filter) Match(dl schema.DeadLetter) bool {
	switch {
	case f.ClientID != 0 && dl.Hook.ClientID != f.ClientID:
		return false
	case f.HookID != 0 && dl.Hook.ID != f.HookID:
		return false
	case !f.Since.IsZero() && dl.DeadAt.Before(f.Since):
		return false
	case !f.Until.IsZero() && !dl.DeadAt.Before(f.Until):
		return false
	}
	return true
}

// record is a Kafka record read from a partition; its bytes are its own.
type record struct {
	partition int
	offset    int64
	time      time.Time
	key       []byte
	value     []byte
}

// entry decodes the record as a dead letter.
func (r record) entry() (Entry, error) {
	dl, err := schema.DecodeDeadLetter(r.value)
	if err != nil {
		return Entry{}, err
	}
	return Entry{
		ID:         entryID(r.partition, r.offset),
		Partition:  r.partition,
		Offset:     r.offset,
		Time:       r.time,
		DeadLetter: dl,
	}, nil
}

// safeReason is err's text cut before the first quote, so that no value
// from the record reaches the logs.
func safeReason(err error) string {
	reason := err.Error()
	if i := strings.IndexAny(reason, "'\"`"); i >= 0 {
		return reason[:i] + "(value not logged)"
	}
	return reason
}
