package receiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// timeLayout stamps each printed request.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// redacted headers are printed without their value: the house never
// prints a credential, even in a debugging tool.
var redacted = []string{"Authorization", "Proxy-Authorization"}

// lockedWriter serializes writes so that blocks never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// writeRequestLine writes the first line of a request's block.
func writeRequestLine(b *bytes.Buffer, now time.Time, r *http.Request) {
	fmt.Fprintf(b, "--- %s %s %s (%s from %s)\n",
		now.Format(timeLayout), r.Method, r.URL.RequestURI(), r.Proto, r.RemoteAddr)
}

// writeHeaders writes Host and every header of h, sorted by name, one line
// per value.
func writeHeaders(b *bytes.Buffer, host string, h http.Header) {
	all := h.Clone()
	if all == nil {
		all = http.Header{}
	}
	if host != "" {
		all.Set("Host", host)
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		for _, v := range all[name] {
			if slices.Contains(redacted, name) {
				v = fmt.Sprintf("[redacted, %d bytes]", len(v))
			}
			fmt.Fprintf(b, "%s: %s\n", name, v)
		}
	}
}

// writeBody writes body indented when it is JSON, as is when it is
// printable text, and quoted otherwise so that no control character
// reaches the terminal.
func writeBody(b *bytes.Buffer, body []byte) {
	var indented bytes.Buffer
	switch {
	case len(body) == 0:
		b.WriteString("body: (empty)\n")
	// JSON strings may hold DEL and C1 controls unescaped: check after.
	case json.Indent(&indented, body, "", "  ") == nil && printable(indented.Bytes()):
		fmt.Fprintf(b, "body (%d bytes, JSON):\n", len(body))
		b.Write(indented.Bytes())
		b.WriteByte('\n')
	case printable(body):
		fmt.Fprintf(b, "body (%d bytes):\n", len(body))
		b.Write(body)
		if body[len(body)-1] != '\n' {
			b.WriteByte('\n')
		}
	default:
		fmt.Fprintf(b, "body (%d bytes, not printable text, quoted):\n%s\n", len(body), strconv.Quote(string(body)))
	}
}

// printable reports whether body is UTF-8 text with no control character
// but tab and line ends.
func printable(body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	return !slices.ContainsFunc([]rune(string(body)), func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}
