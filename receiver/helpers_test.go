package receiver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/internal/syncbuf"
)

// testSecret and otherSecret are Standard Webhooks signing secrets.
var (
	testSecret  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	otherSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
)

// loadBody is a webhook body as postload sends it: the payload of the
// contract's load event.
const loadBody = `{"version":"1.0","integration_name":"shopify","source_root_table_name":"orders","tables":[{"source_table_name":"orders","num_rows":100}]}`

// mustSign returns "v1,<base64 HMAC-SHA256>" over "<id>.<ts>.<body>" with
// the key of secret, computed by hand rather than with the library under
// use, so that the tests pin the scheme itself.
func mustSign(tb testing.TB, secret, id string, ts time.Time, body string) string {
	tb.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		tb.Fatalf("decode secret: %v", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.%s", id, ts.Unix(), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// syncBuffer is an io.Writer the test can read while the server writes.
type syncBuffer = syncbuf.Buffer

// testReceiver is a Run started on 127.0.0.1:0 in a temp dir.
type testReceiver struct {
	url    string       // https://127.0.0.1:port
	cfg    Config       // as given to Run, CertFile absolute
	out    *syncBuffer  // what Run printed
	client *http.Client // trusts only the written certificate file
	stop   func() error // cancels Run and returns its result; idempotent
}

// mustStart runs a receiver with cfg (Listen, CertFile and Out are set
// here) and stops it when the test ends, failing it if Run did not return
// nil.
func mustStart(tb testing.TB, cfg Config) *testReceiver {
	tb.Helper()
	out := &syncBuffer{}
	ready := make(chan string, 1)
	cfg.Listen = "127.0.0.1:0"
	cfg.CertFile = filepath.Join(tb.TempDir(), "receiver.pem")
	cfg.Out = out
	cfg.Ready = func(addr string) { ready <- addr }

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		tb.Fatalf("Run returned before listening: %v\noutput:\n%s", err, out)
	case <-time.After(10 * time.Second):
		stop()
		tb.Fatalf("Run did not call Ready within 10s; output:\n%s", out)
	}
	r := &testReceiver{url: "https://" + addr, cfg: cfg, out: out, stop: stop,
		client: mustClientTrusting(tb, cfg.CertFile)}
	tb.Cleanup(func() {
		r.client.CloseIdleConnections()
		if err := stop(); err != nil {
			tb.Errorf("Run returned %v, want nil after cancel", err)
		}
	})
	return r
}

// mustClientTrusting returns a client whose only root is the PEM file, and
// that expects the server to be named localhost (while dialing 127.0.0.1).
func mustClientTrusting(tb testing.TB, pemFile string) *http.Client {
	tb.Helper()
	pemBytes, err := os.ReadFile(pemFile)
	if err != nil {
		tb.Fatalf("read certificate file: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		tb.Fatalf("certificate file %s holds no PEM certificate:\n%s", pemFile, pemBytes)
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
			// One HTTP/2 connection carries every request: no spare
			// connection is dialed in the background, to be accepted while
			// the receiver shuts down (which would hold Shutdown up).
			MaxConnsPerHost: 1,
		},
	}
}

// mustPost sends body to path with headers and returns the status and
// the block the receiver printed for it (the output is written before the
// answer, so it is there once the response is).
func (r *testReceiver) mustPost(tb testing.TB, path, body string, headers map[string]string) (int, string) {
	tb.Helper()
	before := len(r.out.String())
	req, err := http.NewRequest(http.MethodPost, r.url+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		tb.Fatalf("read answer: %v", err)
	}
	return resp.StatusCode, r.out.String()[before:]
}

// webhookHeaders are the headers of the contract's webhook request,
// signed with signature (none when empty).
func webhookHeaders(id string, ts time.Time, signature string) map[string]string {
	h := map[string]string{
		"Content-Type":      "application/json",
		"User-Agent":        "StitchLoadingWebhook",
		"webhook-id":        id,
		"webhook-timestamp": fmt.Sprint(ts.Unix()),
	}
	if signature != "" {
		h["webhook-signature"] = signature
	}
	return h
}

// waitFor polls cond until it holds or d has passed, then fails the test
// with what cond last saw.
func waitFor(tb testing.TB, d time.Duration, cond func() (ok bool, saw string)) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v; last saw:\n%s", d, saw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
