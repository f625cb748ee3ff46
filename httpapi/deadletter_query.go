package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/postload/postload/dlq"
)

// Limits of GET /hooks/{id}/dead-letters.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// listFilter reads since, until and limit; other parameters are ignored.
func listFilter(q url.Values) (dlq.Filter, error) {
	f := dlq.Filter{Limit: defaultListLimit}
	var err error
	if f.Since, err = queryTime(q, "since"); err != nil {
		return dlq.Filter{}, err
	}
	if f.Until, err = queryTime(q, "until"); err != nil {
		return dlq.Filter{}, err
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > maxListLimit {
			return dlq.Filter{}, errors.New("limit must be an integer from 1 to 1000")
		}
		f.Limit = n
	}
	if err := checkRange(f.Since, f.Until); err != nil {
		return dlq.Filter{}, err
	}
	return f, nil
}

// queryTime reads an RFC 3339 time; zero when absent.
func queryTime(q url.Values, name string) (time.Time, error) {
	if !q.Has(name) {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, q.Get(name))
	if err != nil {
		return time.Time{}, errors.New(name + " must be an RFC 3339 time, like 2019-07-16T16:51:20Z")
	}
	return t, nil
}

func checkRange(since, until time.Time) error {
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return errors.New("since must be before until")
	}
	return nil
}

// replayBody is the optional body of POST /hooks/{id}/dead-letters/replay.
type replayBody struct {
	Since  *time.Time `json:"since"`
	Until  *time.Time `json:"until"`
	DryRun bool       `json:"dry_run"`
}

// errReplayBody says what a replay body may hold.
var errReplayBody = errors.New(`body must be empty or a JSON object with optional "since" and "until" (RFC 3339) and "dry_run" (boolean)`)

// readReplayBody reads an empty body (all defaults) or one JSON object;
// errTooLarge over maxBody.
func readReplayBody(body io.Reader) (replayBody, error) {
	var b replayBody
	raw, err := readAll(body)
	if err != nil {
		return b, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return replayBody{}, errReplayBody
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return replayBody{}, errReplayBody // something after the object
	}
	var since, until time.Time
	if b.Since != nil {
		since = *b.Since
	}
	if b.Until != nil {
		until = *b.Until
	}
	return b, checkRange(since, until)
}
