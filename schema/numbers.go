package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Limits on a JSON number anywhere in a message. The validator turns
// numbers into exact big.Rat values, whose cost grows with the digits and
// with the exponent's size: "1e1000000" alone takes 100 ms, and a message
// of such numbers could stall a partition for hours. No field of the
// contract comes near the limits; a float64 ends at 1.8e308.
const (
	maxNumberLen = 100
	maxExponent  = 400
)

// checkNumbers returns a reason when a number in doc passes the limits,
// naming where it is. Keys are visited in order only once a number is
// found, so that the same input always names the same number.
func checkNumbers(doc any) string {
	if _, why := findBigNumber(doc, false); why == "" {
		return ""
	}
	loc, why := findBigNumber(doc, true)
	if loc == "" {
		return why
	}
	return loc + ": " + why
}

// findBigNumber returns the JSON pointer of a number in v that passes the
// limits, and why: the first one if sorted is set.
func findBigNumber(v any, sorted bool) (loc, why string) {
	switch v := v.(type) {
	case json.Number:
		return "", numberProblem(string(v))
	case []any:
		for i, e := range v {
			if loc, why := findBigNumber(e, sorted); why != "" {
				return "/" + strconv.Itoa(i) + loc, why
			}
		}
	case map[string]any:
		if sorted {
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if loc, why := findBigNumber(v[k], sorted); why != "" {
					return pointer([]string{k}) + loc, why
				}
			}
			return "", ""
		}
		for _, e := range v {
			if loc, why := findBigNumber(e, sorted); why != "" {
				return loc, why
			}
		}
	}
	return "", ""
}

// numberProblem says what is wrong with a JSON number literal, if anything.
func numberProblem(n string) string {
	if len(n) > maxNumberLen {
		return fmt.Sprintf("number has %d characters, more than %d", len(n), maxNumberLen)
	}
	i := strings.IndexAny(n, "eE")
	if i < 0 {
		return ""
	}
	exp, err := strconv.Atoi(strings.TrimPrefix(n[i+1:], "+"))
	if err != nil || exp > maxExponent || exp < -maxExponent {
		return fmt.Sprintf("number %s is out of range", n)
	}
	return ""
}
