package email

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/postload/postload/schema"
)

// Source is where a record came from.
type Source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// forwarded is the value of a record of Config.FailedLoadsTopic: a failed
// load as it arrived on load-failed, with where it came from.
type forwarded struct {
	Source  Source          `json:"source"`
	Failure json.RawMessage `json:"failure"`
}

// Forward turns a failed load (value of load-failed, read at src) into the
// record to publish to Config.FailedLoadsTopic: keyed by the account's
// client id, so that every failed load of an account reaches the one
// owner of that account's window, whatever key the loader gave it. It
// returns an error wrapping ErrInvalid when value does not decode.
//
// The owner counts a record once per source offset, so records of one
// source partition must be forwarded in offset order (one at a time); a
// record forwarded again (the forwarder crashed before its commit) is
// counted once.
func Forward(src Source, value []byte) (key, record []byte, err error) {
	f, err := schema.DecodeLoadFailure(value)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	record, err = json.Marshal(forwarded{Source: src, Failure: value})
	if err != nil {
		return nil, nil, fmt.Errorf("email: encode forwarded failed load: %w", err)
	}
	return []byte(strconv.FormatInt(f.ClientID, 10)), record, nil
}

// decodeForwarded reads a record of Config.FailedLoadsTopic.
func decodeForwarded(value []byte) (Source, schema.LoadFailure, error) {
	var fw forwarded
	if err := json.Unmarshal(value, &fw); err != nil {
		return Source{}, schema.LoadFailure{}, fmt.Errorf("%w: not a forwarded failed load: %w", ErrInvalid, err)
	}
	f, err := schema.DecodeLoadFailure(fw.Failure)
	if err != nil {
		return Source{}, schema.LoadFailure{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return fw.Source, f, nil
}
