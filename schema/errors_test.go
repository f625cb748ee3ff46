package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrorsWrapCause(t *testing.T) {
	_, err := DecodeLoadEvent([]byte(`{"a":`))
	var se *json.SyntaxError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &se) {
		t.Errorf("error %v: want ErrInvalid and a *json.SyntaxError", err)
	}
	_, err = DecodeLoadEvent([]byte("\xff"))
	if !errors.Is(err, ErrInvalid) || err.Error() != "invalid UTF-8 at offset 0" {
		t.Errorf("error %v: want ErrInvalid and the offset", err)
	}
}

func TestReasonIsOneShortLine(t *testing.T) {
	long := strings.Repeat("ü\n", 2000)
	inputs := map[string][]byte{
		"long bad event_id": mustEdit(t, mustReadFile(t, "valid/load-event.json"), func(m map[string]any) {
			m["event_id"] = long
			m["emitted_at"] = long
			m["client_id"] = json.Number("1" + strings.Repeat("0", 900))
			obj(m, "payload")["integration_name"] = 5
		}),
		"long unknown property": []byte(`{"` + strings.Repeat("k\\n", 1000) + `":1}`),
		"control characters":    []byte(`{"event_id":"\u0000\u0007\r\t"}`),
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			for msg, decode := range decoders {
				err := decode(input)
				checkReason(t, err)
				if !utf8.ValidString(err.Error()) || strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 }) {
					t.Errorf("%s: reason has invalid UTF-8 or control characters: %q", msg, err)
				}
			}
		})
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 8, "éé…"}, // é is 2 bytes, … is 3: never cut inside a rune
	}
	for _, tt := range tests {
		if got := clip(tt.in, tt.n); got != tt.want || len(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSchemaReasonIsStable(t *testing.T) {
	input := mustEdit(t, mustReadFile(t, "valid/hook.json"), func(m map[string]any) {
		m["id"], m["client_id"], m["destination_id"], m["version"], m["type"] = 0, 0, 0, 3, "x"
	})
	_, first := DecodeHook(input)
	for range 20 {
		if _, err := DecodeHook(input); err.Error() != first.Error() {
			t.Fatalf("reason changed between runs:\n%s\n%s", first, err)
		}
	}
}

func TestNumberLimits(t *testing.T) {
	base := mustReadFile(t, "valid/load-event.json")
	tests := []struct {
		name   string
		number string
		want   string // "" when the number is accepted
	}{
		{"long integer", "1" + strings.Repeat("0", 99), ""},
		{"too long", "1" + strings.Repeat("0", 100), "/payload/tables/0/x: number has 101 characters, more than 100"},
		{"big exponent", "1e400", ""},
		{"small exponent", "1E-400", ""},
		{"exponent too big", "1e401", "/payload/tables/0/x: number 1e401 is out of range"},
		{"exponent too small", "1e-1000000", "number 1e-1000000 is out of range"},
		{"huge exponent", "1e+99999999999999999999", "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := mustEdit(t, base, func(m map[string]any) { firstTable(m)["x"] = json.Number(tt.number) })
			_, err := DecodeLoadEvent(input)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkInvalid(t, err, tt.want)
		})
	}
	_, err := DecodeLoadEvent([]byte("1e9999"))
	checkInvalid(t, err, "number 1e9999 is out of range")
}
