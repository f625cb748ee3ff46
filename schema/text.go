package schema

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Repeated member names. encoding/json, and the validator's map with it,
// keeps the last value of a name that appears twice in an object; gjson,
// and other readers, the first. So {"client_id":2,"client_id":1} would be
// one account's event to one reader and another's to the next: no message
// may repeat a name in any object, at any depth (the open payload
// included). Names are compared as decoded, so "client\u005fid" repeats
// "client_id".

// maxListedKeys is how many names of one object are compared one by one;
// an object with more keeps them in a set.
const maxListedKeys = 16

// keySpan is a member name in the text: b[start:end], without its quotes.
type keySpan struct {
	start, end int
	escaped    bool // holds a backslash escape: compare it decoded
}

// scanFrame is an open object or array of the text.
type scanFrame struct {
	object  bool
	wantKey bool                // object: the next string is a member name
	first   int                 // the name stack's length when it opened: an object's names follow
	cur     keySpan             // object: the name of the current member
	index   int                 // array: the index of the current element
	set     map[string]struct{} // object with more than maxListedKeys names
}

// duplicate is a repeated member name: at is the JSON pointer of the
// member, key the name as decoded.
type duplicate struct{ at, key string }

func (d duplicate) reason() string {
	return "duplicate key " + strconv.Quote(clip(d.key, 100)) + " at " + d.at
}

// plainText reports that every number in the JSON text b is short and has
// no exponent, so that the number limits (numbers.go) cannot apply, and
// that no object repeats a member name: what the fast paths need besides
// gjson's validity check. It reads b once. b need not be valid JSON (nor
// balanced: a part of a text will do); the answer is then meaningless but
// safe.
func plainText(b []byte) bool {
	plain, _, dup := scanText(b, true)
	return plain && !dup
}

// findDuplicate returns the first repeated member name of the valid JSON
// text b, in text order.
func findDuplicate(b []byte) (duplicate, bool) {
	_, d, dup := scanText(b, false)
	return d, dup
}

// scanText reads b once, outside strings and through member names. It
// stops at the first repeated name (dup, described by d), or, if numbers
// is set, at the first number that is not plain (plain false).
//
// Its length is the clearest form: one state machine over the bytes, a
// case per token, the member-name case the longest. It is one function,
// not methods on a scanner nor helpers taking its stacks by pointer, so
// that its stacks (frameBuf, keyBuf) stay on the goroutine's stack for the
// usual depths: it runs on every event and retry record (the fast paths).
func scanText(b []byte, numbers bool) (plain bool, d duplicate, dup bool) {
	var frameBuf [16]scanFrame
	var keyBuf [64]keySpan
	frames, keys := frameBuf[:0], keyBuf[:0]
	run := 0 // length of the number being read
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			start, escaped := i+1, false
			j := start
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			i, run = j, 0
			n := len(frames)
			if n == 0 || !frames[n-1].object || !frames[n-1].wantKey {
				continue
			}
			f := &frames[n-1]
			k := keySpan{start: start, end: min(j, len(b)), escaped: escaped}
			f.wantKey, f.cur = false, k
			if f.set != nil {
				name := keyName(b, k)
				if _, ok := f.set[name]; ok {
					return true, duplicateAt(b, frames, name), true
				}
				f.set[name] = struct{}{}
				continue
			}
			for _, o := range keys[f.first:] {
				if sameKey(b, o, k) {
					return true, duplicateAt(b, frames, keyName(b, k)), true
				}
			}
			keys = append(keys, k)
			if len(keys)-f.first > maxListedKeys {
				f.set = make(map[string]struct{}, 4*maxListedKeys)
				for _, o := range keys[f.first:] {
					f.set[keyName(b, o)] = struct{}{}
				}
				keys = keys[:f.first]
			}
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if run++; numbers && run > maxNumberLen {
				return false, duplicate{}, false
			}
		case c == 'E' || (c == 'e' && run > 0):
			// an exponent ('e' right after digits; "true"/"false" have none before)
			if numbers {
				return false, duplicate{}, false
			}
			run = 0
		case c == '{':
			frames = append(frames, scanFrame{object: true, wantKey: true, first: len(keys)})
			run = 0
		case c == '[':
			frames = append(frames, scanFrame{first: len(keys)})
			run = 0
		case c == '}' || c == ']':
			if n := len(frames); n > 0 {
				keys = keys[:frames[n-1].first]
				frames = frames[:n-1]
			}
			run = 0
		case c == ',':
			if n := len(frames); n > 0 {
				if f := &frames[n-1]; f.object {
					f.wantKey = true
				} else {
					f.index++
				}
			}
			run = 0
		default:
			run = 0
		}
	}
	return true, duplicate{}, false
}

// sameKey reports that two member names are the same once decoded.
func sameKey(b []byte, x, y keySpan) bool {
	if !x.escaped && !y.escaped {
		return bytes.Equal(b[x.start:x.end], b[y.start:y.end])
	}
	return keyName(b, x) == keyName(b, y)
}

// keyName is a member name decoded as encoding/json decodes it (a lone
// surrogate becomes U+FFFD), so that names it would merge are the same.
func keyName(b []byte, k keySpan) string {
	if !k.escaped {
		return string(b[k.start:k.end])
	}
	if k.start == 0 || k.end >= len(b) {
		return string(b[k.start:k.end])
	}
	// A copy for Unmarshal, which would make b escape (and every caller's
	// []byte(string) conversion a copy) for this rare case.
	quoted := append([]byte(nil), b[k.start-1:k.end+1]...)
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return string(b[k.start:k.end])
	}
	return s
}

// duplicateAt describes the repeated name key, a member of the innermost
// of frames.
func duplicateAt(b []byte, frames []scanFrame, key string) duplicate {
	tokens := make([]string, 0, len(frames))
	for _, f := range frames[:len(frames)-1] {
		if f.object {
			tokens = append(tokens, keyName(b, f.cur))
		} else {
			tokens = append(tokens, strconv.Itoa(f.index))
		}
	}
	return duplicate{at: pointer(append(tokens, key)), key: key}
}
