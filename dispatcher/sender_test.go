package dispatcher

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/internal/webhooktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// loopbackAllowed opens the SSRF guard for the test receivers on 127.0.0.1.
var loopbackAllowed = egress.TransportConfig{Dialer: egress.DialerConfig{Policy: egress.NewPolicy(egress.Loopback())}}

func mustSender(tb testing.TB, timeout time.Duration, rcs ...*webhooktest.Receiver) *Sender {
	tb.Helper()
	pool := x509.NewCertPool()
	for _, rc := range rcs {
		pool.AddCert(rc.Certificate())
	}
	s, err := NewSender(ClientConfig{AttemptTimeout: timeout, RootCAs: pool, Egress: loopbackAllowed})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		delivered bool
		gone      bool
		status    int
		errHas    string
		retry     time.Duration
	}{
		{"200", func(w http.ResponseWriter) { w.WriteHeader(200) }, true, false, 200, "", 0},
		{"204", func(w http.ResponseWriter) { w.WriteHeader(204) }, true, false, 204, "", 0},
		{"500", func(w http.ResponseWriter) { w.WriteHeader(500) }, false, false, 500, "HTTP 500", 0},
		{"redirect is not followed", func(w http.ResponseWriter) { w.Header().Set("Location", "/elsewhere"); w.WriteHeader(302) }, false, false, 302, "HTTP 302", 0},
		{"410 gone", func(w http.ResponseWriter) { w.WriteHeader(410) }, false, true, 410, "HTTP 410", 0},
		{"429 retry-after", func(w http.ResponseWriter) { w.Header().Set("Retry-After", "7"); w.WriteHeader(429) }, false, false, 429, "HTTP 429", 7 * time.Second},
		{"big body is capped", func(w http.ResponseWriter) { w.WriteHeader(200); w.Write([]byte(strings.Repeat("x", 1<<20))) }, true, false, 200, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := webhooktest.NewReceiver(t)
			rc.Respond(func(w http.ResponseWriter, _ *http.Request) { tt.answer(w) })
			s := mustSender(t, 5*time.Second, rc)
			out := s.Send(context.Background(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1})
			if (out.Result == Delivered) != tt.delivered || (out.Result == Gone) != tt.gone || out.Attempt.Status != tt.status || out.RetryAfter != tt.retry {
				t.Fatalf("outcome %+v", out)
			}
			if !strings.Contains(out.Attempt.Error, tt.errHas) || (tt.errHas == "") != (out.Attempt.Error == "") {
				t.Fatalf("error %q, want it to contain %q", out.Attempt.Error, tt.errHas)
			}
		})
	}
}

func TestSendTimesOutOnASilentReceiver(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(_ int, r *http.Request) int { <-r.Context().Done(); return webhooktest.NoAnswer })
	s := mustSender(t, 200*time.Millisecond, rc)
	out := s.Send(context.Background(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1})
	if out.Result == Delivered || out.Result == Interrupted || !strings.Contains(out.Attempt.Error, "no response within 200ms") {
		t.Fatalf("outcome %+v", out)
	}
}

func TestSendFailsOnConnectionRefusedAndUntrustedCert(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	s := mustSender(t, time.Second) // trusts no receiver
	if out := s.Send(context.Background(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1}); out.Result == Delivered || !strings.Contains(out.Attempt.Error, "certificate") {
		t.Fatalf("untrusted: %+v", out)
	}
	url := rc.URL
	rc.Close()
	if out := s.Send(context.Background(), Request{URL: url, WebhookID: "e.1", Body: []byte(`{}`), Number: 1}); out.Result == Delivered || !strings.Contains(out.Attempt.Error, "refused") {
		t.Fatalf("refused: %+v", out)
	}
	if out := s.Send(context.Background(), Request{URL: "http://127.0.0.1:1/", WebhookID: "e.1", Body: []byte(`{}`), Number: 1}); out.Result == Delivered || !strings.Contains(out.Attempt.Error, "https") {
		t.Fatalf("plain http: %+v", out)
	}
}

func TestSendReusesConnections(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	s := mustSender(t, 5*time.Second, rc)
	for i := 0; i < 20; i++ {
		if out := s.Send(context.Background(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1}); out.Result != Delivered {
			t.Fatalf("%+v", out)
		}
	}
	if n := rc.Conns(); n != 1 {
		t.Fatalf("%d connections for 20 sequential attempts, want 1", n)
	}
}

// An attempt's error is kept on every later attempt: its text is capped,
// valid UTF-8, without control characters.
func TestErrorTextIsCappedAndPlain(t *testing.T) {
	long := errors.New("x509: certificate is valid for " + strings.Repeat("é\x00", 400) + "\xff")
	got := errorText(long)
	if len(got) > maxErrorBytes+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("%d bytes, valid UTF-8 %v: %q", len(got), utf8.ValidString(got), got)
	}
	if strings.ContainsRune(got, 0) {
		t.Errorf("control character kept: %q", got)
	}
	if got := errorText(errors.New("no response within 30s")); got != "no response within 30s" {
		t.Errorf("short error changed: %q", got)
	}
}
