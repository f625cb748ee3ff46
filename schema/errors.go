package schema

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error a Decode function returns for a
// message that is not valid UTF-8, not JSON, or not valid against its schema.
var ErrInvalid = errors.New("invalid message")

// maxReason bounds the length in bytes of an error's text.
const maxReason = 500

// invalidError is a rejected message. Its text is only the reason, one line
// of at most maxReason bytes, fit to be stored on the invalid topic.
type invalidError struct {
	reason string
	cause  error // the parser's or validator's error, if any
}

func (e *invalidError) Error() string { return e.reason }

// Unwrap gives ErrInvalid for errors.Is and the cause for errors.As.
func (e *invalidError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalid}
	}
	return []error{ErrInvalid, e.cause}
}

func invalid(reason string, cause error) error {
	return &invalidError{reason: clip(oneLine(reason), maxReason), cause: cause}
}

// oneLine replaces line breaks and tabs with spaces and every other control
// character with U+FFFD.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return utf8.RuneError
		}
		return r
	}, s)
}

// clip shortens s to at most n bytes, cutting at a rune boundary and
// marking the cut with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
