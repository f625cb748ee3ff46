package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// An event that repeats a name anywhere is invalid, and the reason says
// where and which name; the fast path declines it.
func TestDuplicateKeysInLoadEvent(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC)
	valid := string(SampleLoadEvent("e", 100001, 1, false, now))
	many := `"x":{` // an object past maxListedKeys names: kept in a set
	for i := range 40 {
		many += fmt.Sprintf(`"k%d":%d,`, i, i)
	}
	tests := []struct {
		name, old, new string
		want           string
	}{
		{"envelope, the issue's event", `"client_id":100001`, `"client_id":100002,"client_id":100001`, `duplicate key "client_id" at /client_id`},
		{"escaped spelling", `"client_id":100001`, `"client_id":100001,"client\u005fid":100002`, `duplicate key "client_id" at /client_id`},
		{"escaped first", `"client_id":100001`, `"client\u005Fid":100002,"client_id":100001`, `duplicate key "client_id" at /client_id`},
		{"payload field", `"version":"1.0"`, `"version":"1.0","version":"2.0"`, `duplicate key "version" at /payload/version`},
		{"payload's unknown member", `"version":"1.0"`, `"x_new":1,"version":"1.0","x_new":2`, `duplicate key "x_new" at /payload/x_new`},
		{"inside an unknown member", `"version":"1.0"`, `"x":{"y":[{"z":1},{"z":1,"z":2}]},"version":"1.0"`, `duplicate key "z" at /payload/x/y/1/z`},
		{"table", `"num_rows":100`, `"num_rows":100,"num_rows":7`, `duplicate key "num_rows" at /payload/tables/0/num_rows`},
		{"bookmark", `"key":"updated_at"`, `"key":"updated_at","key":"id"`, `duplicate key "key" at /payload/tables/0/bookmark_metadata/0/key`},
		{"bookmark value", `"min_value":`, `"min_value":{"a":1,"a":1},"x":`, `duplicate key "a" at /payload/tables/0/bookmark_metadata/0/min_value/a`},
		{"name with / and ~", `"version":"1.0"`, `"a/b~c":1,"version":"1.0","a/b~c":2`, `duplicate key "a/b~c" at /payload/a~1b~0c`},
		{"lone surrogates encoding/json merges", `"version":"1.0"`, `"\ud800":1,"version":"1.0","\udbff":2`, "duplicate key \"\ufffd\" at /payload/\ufffd"},
		{"large object", `"version":"1.0"`, many + `"k7":0},"version":"1.0"`, `duplicate key "k7" at /payload/x/k7`},
		{"large object, escaped", `"version":"1.0"`, many + `"k\u0033":0},"version":"1.0"`, `duplicate key "k3" at /payload/x/k3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("the sample has no %s", tt.old)
			}
			b := []byte(strings.Replace(valid, tt.old, tt.new, 1))
			if !json.Valid(b) {
				t.Fatalf("not JSON: %s", b)
			}
			if _, ok := fastLoadEvent(b); ok {
				t.Error("the fast path accepted it")
			}
			_, err := DecodeLoadEvent(b)
			checkInvalid(t, err, tt.want)
		})
	}
}

// The same name in different objects is no duplicate.
func TestSameNameInOtherObjects(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 123456000, time.UTC)
	valid := string(SampleLoadEvent("e", 1, 1, false, now))
	b := []byte(strings.Replace(valid, `"version":"1.0"`,
		`"x":{"version":{"version":[{"version":1},{"version":2}]}},"client_id":{"a":{"a":1},"b":{"a":1}},"version":"1.0"`, 1))
	if _, err := DecodeLoadEvent(b); err != nil {
		t.Fatal(err)
	}
	if _, ok := fastLoadEvent(b); !ok {
		t.Error("the fast path declined it")
	}
}

// Every message a Decode function reads refuses a repeated name, the same
// value twice included (which a map would not even notice).
func TestDuplicateKeysInEveryMessage(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		base := filepath.Base(file)
		b := mustReadFile(t, filepath.Join("valid", base))
		var first, value string
		gjson.ParseBytes(b).ForEach(func(k, v gjson.Result) bool {
			first, value = k.Str, v.Raw
			return false
		})
		dup := append([]byte(fmt.Sprintf(`{%q:%s,`, first, value)), bytes.TrimLeft(b, " \n\t{")...)
		for msg, decode := range decoders {
			if base == msg+".json" || strings.HasPrefix(base, msg+"-") {
				t.Run(base, func(t *testing.T) {
					checkInvalid(t, decode(dup), fmt.Sprintf("duplicate key %q at /%s", first, first))
				})
			}
		}
	}
}

// A retry record's event is held to the rule too; the reason locates it
// inside the record.
func TestDuplicateKeysInRetryRecordEvent(t *testing.T) {
	var d map[string]any
	if err := json.Unmarshal(sampleDelivery(t, 1), &d); err != nil {
		t.Fatal(err)
	}
	d["event"] = strings.Replace(d["event"].(string), `"client_id":116078`, `"client_id":116078,"client_id":1`, 1)
	b, _ := json.Marshal(d)
	_, _, err := DecodeRetry(b)
	checkInvalid(t, err, `/event: duplicate key "client_id" at /client_id`)
}

// referenceDuplicate finds the first repeated name of a valid JSON text
// the slow way: encoding/json's tokens and a set per object.
func referenceDuplicate(b []byte) (at string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		object bool
		seen   map[string]bool
		cur    string
		index  int
		key    bool // object: the next token is a name
	}
	var stack []*level
	path := func(last string) string {
		var tokens []string
		for _, l := range stack[:len(stack)-1] {
			if l.object {
				tokens = append(tokens, l.cur)
			} else {
				tokens = append(tokens, strconv.Itoa(l.index-1))
			}
		}
		return pointer(append(tokens, last))
	}
	// value is called before each value: it counts array elements.
	value := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
	}
	// done is called after each value: an object's next token is a name.
	done := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false
		}
		if err != nil {
			panic(err)
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				done()
				continue
			}
			k := tok.(string)
			l := stack[n-1]
			if l.seen[k] {
				return path(k), true
			}
			l.seen[k], l.cur, l.key = true, k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			value()
			stack = append(stack, &level{object: true, seen: map[string]bool{}, key: true})
		case json.Delim('['):
			value()
			stack = append(stack, &level{})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
			done()
		default:
			value()
			done()
		}
	}
}

// The one-pass scanner finds the first repeated name exactly where
// encoding/json's tokens, one set per object, find it.
func FuzzFindDuplicate(f *testing.F) {
	addSeeds(f, "")
	for _, s := range []string{
		`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":1,"c":2}]}}`, `[{"a":1},{"a":1}]`, `{"a\u0062":1,"ab":2}`,
		`{"a":[{"x":1,"y":{"x":1}}],"b":{"a":1},"a":3}`, `{"\ud800":1,"\udfff":2}`, `{"\"":1,"\u0022":1}`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":0,"k12":0,"k13":0,"k14":0,"k15":0,"k16":0,"k17":0,"k\u0031":0}`,
		`{"a":"}","a":"{"}`, `{"a":"\\","b":"\"","b":1}`, `{"":1,"":2}`, `"x"`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		plainText(b) // must not panic on anything
		if !json.Valid(b) {
			return
		}
		want, wantFound := referenceDuplicate(b)
		d, found := findDuplicate(b)
		if found != wantFound || d.at != want {
			t.Fatalf("found %v at %q, want %v at %q: %q", found, d.at, wantFound, want, b)
		}
		if !utf8.Valid(b) {
			return // parse refuses it for that first
		}
		if _, reason, _ := parse(b); found != strings.HasPrefix(reason, "duplicate key ") {
			t.Fatalf("parse says %q, the scanner %v", reason, found)
		}
	})
}

func TestParseRefusesDuplicateAsInvalid(t *testing.T) {
	_, err := DecodeHook([]byte(`{"id":1,"id":1}`))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
}
