package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
)

// errTooLarge: the request body is over maxBody.
var errTooLarge = errors.New("request body too large")

// pathID reads the {id} of the path; false when it is not a positive
// decimal (then it is nobody's id: 404).
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// readAll reads the whole request body; errTooLarge when it is over
// maxBody.
func readAll(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(body)
	return b, bodyError(err)
}

// decodeObject reads exactly one JSON object from r and returns its members.
// Keys are matched exactly (encoding/json would match struct fields without
// regard to case), so the caller can reject unknown ones.
func decodeObject(r io.Reader) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return nil, bodyError(err)
	}
	if m == nil {
		return nil, errors.New("body is null, want an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, bodyError(err)
		}
		return nil, errors.New("data after the object")
	}
	return m, nil
}

// bodyError tells a body over the limit from a malformed one.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	return err
}

// hasKeys reports whether m has exactly the given keys.
func hasKeys(m map[string]json.RawMessage, keys ...string) bool {
	return len(m) == len(keys) && slices.Equal(slices.Sorted(maps.Keys(m)), slices.Sorted(slices.Values(keys)))
}

// member decodes one non-null member of an object into a T.
func member[T any](raw json.RawMessage) (T, error) {
	var v T
	if isNull(raw) {
		return v, errors.New("null")
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("mistyped: %w", err)
	}
	return v, nil
}

// object decodes one member that must be an object.
func object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	return decodeObject(bytes.NewReader(raw))
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
