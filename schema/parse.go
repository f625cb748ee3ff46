package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// parse checks that b is one valid UTF-8 JSON value and returns it as the
// validator wants it: maps, slices, strings, bools, nil and json.Number
// (so that integers keep every digit). An object that repeats a member
// name is refused: the map would keep only the last value, which another
// reader of the same message may not (see text.go). On failure it says
// why, and gives the parser's error when there is one.
func parse(b []byte) (doc any, reason string, cause error) {
	if !utf8.Valid(b) {
		return nil, fmt.Sprintf("invalid UTF-8 at offset %d", invalidUTF8At(b)), nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			if d, dup := findDuplicate(b); dup {
				return nil, d.reason(), nil
			}
			return v, "", nil
		}
	}
	reason, cause = syntaxError(b)
	return nil, reason, cause
}

// syntaxError explains why b is not JSON. The Decoder reports a truncated
// input without an offset; Unmarshal reports every syntax error with one.
func syntaxError(b []byte) (reason string, cause error) {
	err := json.Unmarshal(b, new(json.RawMessage))
	var se *json.SyntaxError
	if errors.As(err, &se) {
		msg := strings.Replace(se.Error(), "of JSON input", "of input", 1)
		return fmt.Sprintf("invalid JSON: %s at offset %d", msg, se.Offset), se
	}
	if err == nil { // cannot happen: the Decoder refused b
		return "invalid JSON", nil
	}
	return "invalid JSON: " + err.Error(), err
}

// invalidUTF8At is the offset of the first byte of b that does not start a
// valid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
