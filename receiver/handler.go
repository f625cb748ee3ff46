package receiver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// handler prints each request and answers it with status.
type handler struct {
	status   int
	out      io.Writer
	verifier *verifier // nil: signatures are not checked
	now      func() time.Time
	inflight atomic.Int64 // handlers running
}

// drained waits up to d for no handler to be running.
func (h *handler) drained(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for h.inflight.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.inflight.Add(1)
	defer h.inflight.Add(-1)

	var b bytes.Buffer
	writeRequestLine(&b, h.now(), r)
	writeHeaders(&b, r.Host, r.Header)

	status := h.status
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
		fmt.Fprintf(&b, "body: over the %d MiB limit, not read\n", tooBig.Limit>>20)
	case err != nil:
		fmt.Fprintf(&b, "body: reading it failed after %d bytes: %v\n", len(body), err)
		b.WriteString("no answer: the request is broken\n\n")
		h.out.Write(b.Bytes()) // nothing useful to do if the terminal is gone
		return
	default:
		writeBody(&b, body)
		if h.verifier != nil {
			fmt.Fprintf(&b, "signature: %s\n", h.verifier.verdict(body, r.Header))
		}
	}
	fmt.Fprintf(&b, "answered: %d %s\n\n", status, http.StatusText(status))
	h.out.Write(b.Bytes())

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s\n", status, http.StatusText(status))
}
