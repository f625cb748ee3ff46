package receiver

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

func TestWriteBody(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "body: (empty)\n"},
		{"JSON", `{"a":[1,{"b":null}]}`, "body (20 bytes, JSON):\n{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ]\n}\n"},
		{"JSON scalar", `"x"`, "body (3 bytes, JSON):\n\"x\"\n"},
		{"text", "a=1&b=2", "body (7 bytes):\na=1&b=2\n"},
		{"text with newline", "line\n", "body (5 bytes):\nline\n"},
		{"broken JSON", `{"a":`, "body (5 bytes):\n{\"a\":\n"},
		{"control character", "a\x1b[2Jb", "body (6 bytes, not printable text, quoted):\n\"a\\x1b[2Jb\"\n"},
		{"JSON with DEL", "\"\x7f\"", "body (3 bytes, not printable text, quoted):\n\"\\\"\\x7f\\\"\"\n"},
		{"not UTF-8", "\xff\xfe", "body (2 bytes, not printable text, quoted):\n\"\\xff\\xfe\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeBody(&b, []byte(tt.body))
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func FuzzWriteBody(f *testing.F) {
	for _, s := range []string{"", "{}", loadBody, "a\x1b[2Jb", "\xff", "[1,2", "\"\\u001b\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b bytes.Buffer
		writeBody(&b, body)
		for _, r := range b.String() {
			if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
				t.Fatalf("control character %U printed for body %q", r, body)
			}
		}
		if !strings.HasSuffix(b.String(), "\n") {
			t.Fatalf("output does not end a line: %q", b.String())
		}
	})
}

func TestWriteHeaders(t *testing.T) {
	h := http.Header{
		"Webhook-Id":    {"e.h"},
		"Authorization": {"Bearer secret-token"},
		"Accept":        {"b", "a"},
	}
	var b bytes.Buffer
	writeHeaders(&b, "example.test:8443", h)
	want := "Accept: b\nAccept: a\nAuthorization: [redacted, 19 bytes]\nHost: example.test:8443\nWebhook-Id: e.h\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if _, ok := h["Host"]; ok {
		t.Error("writeHeaders changed the request's headers")
	}
}
