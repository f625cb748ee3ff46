// Package webhooktest runs real TLS webhook receivers for tests: they
// record every request and answer as the test says.
package webhooktest

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Request is one request a Receiver got.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Status is what the receiver answered (0 while the answer is pending,
	// or when Respond wrote it).
	Status int
}

// Receiver is an httptest TLS server that records requests.
type Receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []Request
	// answer decides the status for the n-th request (0-based); it may
	// block (a black hole) until r's context ends.
	answer func(n int, r *http.Request) int
	// respond, if set, writes the whole response instead.
	respond func(w http.ResponseWriter, r *http.Request)
	conns   atomic.Int64
}

// NewReceiver starts a receiver answering 200 to everything; Answer
// changes that. It is closed when the test ends.
func NewReceiver(tb testing.TB) *Receiver {
	tb.Helper()
	return newReceiver(tb, true)
}

// NewHTTP1Receiver is NewReceiver for a receiver that speaks HTTP/1.1
// only, as many do: it offers no HTTP/2.
func NewHTTP1Receiver(tb testing.TB) *Receiver {
	tb.Helper()
	return newReceiver(tb, false)
}

func newReceiver(tb testing.TB, http2 bool) *Receiver {
	rc := &Receiver{answer: func(int, *http.Request) int { return http.StatusOK }}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	rc.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			rc.conns.Add(1)
		}
	}
	rc.Server.EnableHTTP2 = http2
	rc.StartTLS()
	tb.Cleanup(rc.Close)
	return rc
}

// Answer sets how the receiver answers; f gets the request's 0-based index.
func (rc *Receiver) Answer(f func(n int, r *http.Request) int) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

// Respond makes the receiver write responses with f (after recording).
func (rc *Receiver) Respond(f func(w http.ResponseWriter, r *http.Request)) {
	rc.mu.Lock()
	rc.respond = f
	rc.mu.Unlock()
}

// Conns is the number of connections accepted so far.
func (rc *Receiver) Conns() int64 { return rc.conns.Load() }

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.reqs = append(rc.reqs, Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	answer, respond := rc.answer, rc.respond
	rc.mu.Unlock()
	if respond != nil {
		respond(w, r)
		return
	}
	status := answer(n, r)
	if status == NoAnswer {
		panic(http.ErrAbortHandler) // the connection is closed, nothing sent
	}
	rc.mu.Lock()
	rc.reqs[n].Status = status
	rc.mu.Unlock()
	w.WriteHeader(status)
}

// NoAnswer, returned by an Answer function, closes the connection without
// a response: a receiver that never answered (over HTTP/1.1 a handler that
// returns writes a 200, which a client may still read after it gave up).
const NoAnswer = -1

// Delivered returns the webhook-ids of the requests answered with a 2xx.
func (rc *Receiver) Delivered() map[string]bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]bool{}
	for _, r := range rc.reqs {
		if r.Status >= 200 && r.Status < 300 {
			out[r.Header.Get("Webhook-Id")] = true
		}
	}
	return out
}

// Requests returns a copy of what was received so far.
func (rc *Receiver) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// Count is the number of requests received so far.
func (rc *Receiver) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// WriteCAs writes the receivers' certificates as one PEM file into dir
// and returns its path, for a client's --ca-file.
func WriteCAs(tb testing.TB, dir string, rcs ...*Receiver) string {
	tb.Helper()
	var pemBytes []byte
	for _, rc := range rcs {
		pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rc.Certificate().Raw})...)
	}
	path := filepath.Join(dir, "receivers-ca.pem")
	if err := os.WriteFile(path, pemBytes, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
