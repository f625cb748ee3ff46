package receiver

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startPlain serves h over plain HTTP on 127.0.0.1:0, signalling entered
// each time a handler starts and accepted each time a connection is
// accepted (dropping signals nobody waits for); shutdown is the test's to
// call.
func startPlain(tb testing.TB, h *handler, entered, accepted chan struct{}) (*http.Server, string, <-chan error) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				select {
				case accepted <- struct{}{}:
				default:
				}
			}
		},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case entered <- struct{}{}:
			default:
			}
			h.ServeHTTP(w, r)
		}),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return srv, ln.Addr().String(), served
}

func TestShutdownReportsCutRequests(t *testing.T) {
	h := &handler{status: 200, out: &syncBuffer{}, now: time.Now}
	entered := make(chan struct{}, 1)
	srv, addr, served := startPlain(t, h, entered, make(chan struct{}, 1))

	// A request whose body never ends keeps its handler reading.
	body, bodyW := io.Pipe()
	defer bodyW.Close()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	clientDone := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientDone <- err
	}()
	if _, err := bodyW.Write([]byte("{")); err != nil {
		t.Fatal(err)
	}
	<-entered

	err = shutdown(context.Background(), srv, h, served, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "1 request(s) still running after 100ms were cut") {
		t.Errorf("shutdown: %v, want the cut request reported", err)
	}
	bodyW.Close()
	if err := <-clientDone; err == nil {
		t.Error("the cut request got an answer")
	}
}

func TestShutdownCutsSilentConnectionsWithoutError(t *testing.T) {
	h := &handler{status: 200, out: &syncBuffer{}, now: time.Now}
	accepted := make(chan struct{}, 1)
	srv, addr, served := startPlain(t, h, make(chan struct{}, 1), accepted)

	// A connection that sends nothing: net/http waits 5 s on it.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	<-accepted

	start := time.Now()
	if err := shutdown(context.Background(), srv, h, served, 100*time.Millisecond); err != nil {
		t.Errorf("shutdown: %v, want nil: no request was cut", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v, want about the 100ms timeout", d)
	}
}
