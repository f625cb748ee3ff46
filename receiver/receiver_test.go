package receiver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunPrintsAndVerifiesSignedRequests(t *testing.T) {
	r := mustStart(t, Config{Secret: testSecret})
	now := time.Now()

	tests := []struct {
		name      string
		signature string
		omit      bool // send no webhook headers at all
		want      string
	}{
		{
			name:      "valid",
			signature: mustSign(t, testSecret, "evt1.hook1", now, loadBody),
			want:      "signature: valid\n",
		},
		{
			name: "valid among rotated signatures",
			signature: mustSign(t, otherSecret, "evt1.hook1", now, loadBody) + " " +
				mustSign(t, testSecret, "evt1.hook1", now, loadBody),
			want: "signature: valid\n",
		},
		{
			name:      "wrong secret",
			signature: mustSign(t, otherSecret, "evt1.hook1", now, loadBody),
			want:      "signature: INVALID (none of the 1 signature(s) matches: wrong secret, or the body, webhook-id or webhook-timestamp changed)\n",
		},
		{
			name:      "signed for another id",
			signature: mustSign(t, testSecret, "evt2.hook1", now, loadBody),
			want:      "signature: INVALID (none of the 1 signature(s) matches",
		},
		{
			name: "unsigned",
			want: "signature: INVALID (missing header webhook-signature)\n",
		},
		{
			name: "no webhook headers",
			omit: true,
			want: "signature: INVALID (missing header webhook-id, webhook-timestamp, webhook-signature)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := webhookHeaders("evt1.hook1", now, tt.signature)
			if tt.omit {
				h = map[string]string{"Content-Type": "application/json"}
			}
			status, block := r.mustPost(t, "/hooks/orders?x=1", loadBody, h)
			if status != 200 {
				t.Errorf("status %d, want 200 (the configured default)", status)
			}
			if !strings.Contains(block, tt.want) {
				t.Errorf("block lacks %q:\n%s", tt.want, block)
			}
			if strings.Count(block, "signature: ") != 1 {
				t.Errorf("want one signature line:\n%s", block)
			}
		})
	}
}

func TestRunPrintsRequestBlock(t *testing.T) {
	r := mustStart(t, Config{Secret: testSecret})
	now := time.Now()
	sig := mustSign(t, testSecret, "evt1.hook1", now, loadBody)
	_, block := r.mustPost(t, "/hooks/orders", loadBody, webhookHeaders("evt1.hook1", now, sig))

	wantLines := []string{
		`--- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\S* POST /hooks/orders \(HTTP/\S+ from 127\.0\.0\.1:\d+\)`,
		`Content-Type: application/json`,
		`Host: 127\.0\.0\.1:\d+`,
		`User-Agent: StitchLoadingWebhook`,
		`Webhook-Id: evt1\.hook1`,
		`Webhook-Signature: ` + regexp.QuoteMeta(sig),
		fmt.Sprintf(`Webhook-Timestamp: %d`, now.Unix()),
		fmt.Sprintf(`body \(%d bytes, JSON\):`, len(loadBody)),
		`\{`,
		`  "version": "1\.0",`,
		`  "integration_name": "shopify",`,
	}
	var pattern strings.Builder
	pattern.WriteString(`(?m)`)
	for _, l := range wantLines {
		pattern.WriteString(`^` + l + `\n(?:.*\n)*?`)
	}
	if !regexp.MustCompile(pattern.String()).MatchString(block) {
		t.Errorf("block does not have, in this order, lines matching\n%s\ngot:\n%s", strings.Join(wantLines, "\n"), block)
	}
	if !strings.HasSuffix(block, "signature: valid\nanswered: 200 OK\n\n") {
		t.Errorf("block does not end with the verdict and the answer:\n%s", block)
	}
}

func TestRunAnswersConfiguredStatus(t *testing.T) {
	r := mustStart(t, Config{Status: 410})
	status, block := r.mustPost(t, "/gone", "plain text, not JSON", nil)
	if status != 410 {
		t.Errorf("status %d, want 410", status)
	}
	for _, want := range []string{"body (20 bytes):\nplain text, not JSON\n", "answered: 410 Gone\n"} {
		if !strings.Contains(block, want) {
			t.Errorf("block lacks %q:\n%s", want, block)
		}
	}
	if strings.Contains(block, "signature:") {
		t.Errorf("no secret given, yet a signature line:\n%s", block)
	}
}

func TestRunRefusesBodyOverLimit(t *testing.T) {
	r := mustStart(t, Config{Secret: testSecret})
	status, block := r.mustPost(t, "/big", strings.Repeat("x", maxBody+1), nil)
	if status != 413 {
		t.Errorf("status %d, want 413", status)
	}
	if !strings.Contains(block, "body: over the 1 MiB limit, not read\nanswered: 413 Request Entity Too Large\n") {
		t.Errorf("block does not say the body was refused:\n%s", block)
	}

	status, _ = r.mustPost(t, "/exact", strings.Repeat("x", maxBody), nil)
	if status != 200 {
		t.Errorf("a body of exactly 1 MiB: status %d, want 200", status)
	}
}

func TestRunBannerAndCertificateFile(t *testing.T) {
	r := mustStart(t, Config{})
	out := r.out.String()
	port := r.url[strings.LastIndex(r.url, ":")+1:]
	for _, want := range []string{
		"postload receiver listening on https://127.0.0.1:" + port + "/",
		"certificate written to " + r.cfg.CertFile + " (valid for localhost, 127.0.0.1, ::1;",
		"trust it with: postload serve --ca-file " + r.cfg.CertFile + "\n",
		"not verifying webhook signatures",
		"answering every request with 200 OK\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}

	fi, err := os.Stat(r.cfg.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("certificate file mode %v, want 0644", fi.Mode().Perm())
	}
	pemBytes, err := os.ReadFile(r.cfg.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(pemBytes), "PRIVATE KEY") || strings.Count(string(pemBytes), "BEGIN CERTIFICATE") != 1 {
		t.Errorf("certificate file should hold exactly one certificate and no key:\n%s", pemBytes)
	}
	entries, err := os.ReadDir(filepath.Dir(r.cfg.CertFile))
	if err != nil || len(entries) != 1 {
		t.Errorf("temp files left beside the certificate: %v %v", entries, err)
	}
}

func TestRunDoesNotInterleaveBlocks(t *testing.T) {
	r := mustStart(t, Config{})
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("p", 4096))
			r.mustPost(t, fmt.Sprintf("/req/%d", i), body, nil)
		})
	}
	wg.Wait()

	out := r.out.String()
	blocks := strings.Split(out[strings.Index(out, "--- "):], "\n\n")
	blocks = blocks[:len(blocks)-1] // after the last block's blank line
	if len(blocks) != n {
		t.Fatalf("%d blocks, want %d:\n%s", len(blocks), n, out)
	}
	for _, b := range blocks {
		var i int
		if _, err := fmt.Sscanf(b[strings.Index(b, " /req/"):], " /req/%d", &i); err != nil {
			t.Fatalf("block without its path: %v\n%s", err, b)
		}
		if !strings.Contains(b, fmt.Sprintf("\n  \"n\": %d,\n", i)) || !strings.HasSuffix(b, "answered: 200 OK") ||
			strings.Count(b, "--- ") != 1 {
			t.Errorf("block %d is not whole:\n%s", i, b)
		}
	}
}

func TestRunErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()

	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"invalid config", Config{Status: 99, Out: &syncBuffer{}}, "Status 99"},
		{"address in use", Config{Listen: busy.Addr().String(), CertFile: filepath.Join(dir, "a.pem"), Out: &syncBuffer{}}, "address already in use"},
		{"no such directory", Config{Listen: "127.0.0.1:0", CertFile: filepath.Join(dir, "missing", "c.pem"), Out: &syncBuffer{}}, "write certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := Run(ctx, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a.pem")); !os.IsNotExist(err) {
		t.Errorf("certificate written although the address was busy: %v", err)
	}
}

func TestRunStopsWithIdleConnection(t *testing.T) {
	r := mustStart(t, Config{})
	status, _ := r.mustPost(t, "/", "{}", nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	// The client keeps an idle connection open: Shutdown must close it.
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v, want nil", err)
	}
	if _, err := r.client.Get(r.url + "/"); err == nil {
		t.Error("request after stop succeeded")
	}
}

func TestRunPrintsHandshakeErrors(t *testing.T) {
	r := mustStart(t, Config{})
	untrusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer untrusting.CloseIdleConnections()
	if _, err := untrusting.Get(r.url + "/"); err == nil {
		t.Fatal("a client without the certificate file trusted the receiver")
	}
	// The server logs the failed handshake on its own goroutine.
	waitFor(t, 10*time.Second, func() (bool, string) {
		out := r.out.String()
		return strings.Contains(out, "TLS handshake error"), out
	})
}
