package schema

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

const (
	maxCauses     = 3   // leaf errors named in a reason
	maxCauseBytes = 200 // bytes of one leaf error
)

// printer renders the validator's messages, in English.
var printer = message.NewPrinter(language.English)

// schemaReason turns a validation error into one short line:
// "schema: /client_id: must be >= 1, got 0; ...". The deepest errors (the
// leaves of the validator's tree) say what is wrong; they are sorted so that
// the same input always gives the same text. at is the JSON pointer of the
// validated document inside the message ("" for the message itself).
func schemaReason(err error, at string) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "schema: " + err.Error()
	}
	var leaves []string
	collectLeaves(ve, at, &leaves)
	slices.Sort(leaves)
	leaves = slices.Compact(leaves)
	more := len(leaves) - maxCauses
	if more > 0 {
		leaves = leaves[:maxCauses]
	}
	reason := "schema: " + strings.Join(leaves, "; ")
	if more > 0 {
		reason += fmt.Sprintf(" (and %d more)", more)
	}
	return reason
}

// collectLeaves appends "location: message" for every leaf under e, each
// location prefixed with prefix.
func collectLeaves(e *jsonschema.ValidationError, prefix string, out *[]string) {
	loc := prefix + pointer(e.InstanceLocation)
	if len(e.Causes) == 0 {
		msg := describe(e.ErrorKind)
		if loc != "" {
			msg = loc + ": " + msg
		}
		*out = append(*out, clip(oneLine(msg), maxCauseBytes))
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, prefix, out)
	}
}

// pointerEscaper escapes a reference token of a JSON pointer (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointer writes a JSON pointer to an instance location.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(pointerEscaper.Replace(t))
	}
	return sb.String()
}

// describe says what a leaf error found. The validator's own text prints
// numbers for a locale (1,048,576; 9.2×10¹⁸), so the bounds are said here.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Minimum:
		return fmt.Sprintf("must be >= %s, got %s", number(k.Want), number(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("must be <= %s, got %s", number(k.Want), number(k.Got))
	case *kind.MinLength:
		return fmt.Sprintf("length must be at least %d, got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("length must be at most %d, got %d", k.Want, k.Got)
	case *kind.MinItems:
		return fmt.Sprintf("item count must be at least %d, got %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("item count must be at most %d, got %d", k.Want, k.Got)
	}
	return k.LocalizedString(printer)
}

// number writes r exactly when it is an integer, else as a float.
func number(r *big.Rat) string {
	if r.IsInt() {
		return r.RatString()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
