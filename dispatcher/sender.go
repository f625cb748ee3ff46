package dispatcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/postload/postload/schema"
)

// UserAgent is the User-Agent of every webhook request (the contract's).
const UserAgent = "StitchLoadingWebhook"

// Request is one attempt to make.
type Request struct {
	URL       string
	WebhookID string // "<event_id>.<hook id>", the same on every attempt
	Signers   []Signer
	Body      []byte
	Number    int // attempt number, 1 for the first
	// EventID is the event's id, for the delivery log.
	EventID string
	// Test marks a send test (SendTest): the request carries TestHeader.
	Test bool
}

// Sender makes single attempts over one shared HTTPS client.
type Sender struct {
	client *http.Client
	cfg    ClientConfig
	now    func() time.Time
}

// NewSender returns a Sender; its connections are kept alive and reused.
func NewSender(cfg ClientConfig) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	client, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Sender{client: client, cfg: cfg, now: time.Now}, nil
}

// Close drops idle connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

// Send makes one attempt, bounded by the attempt timeout.
func (s *Sender) Send(ctx context.Context, r Request) Outcome {
	start := s.now()
	out := Outcome{Attempt: schema.Attempt{Number: r.Number, StartedAt: start.UTC()}}
	status, retryAfter, snippet, err := s.do(ctx, r, start)
	out.Attempt.DurationMS = s.now().Sub(start).Milliseconds()
	out.Attempt.Status, out.Response = status, snippet
	switch {
	case err != nil && ctx.Err() != nil:
		out.Result, out.Attempt.Error = Interrupted, errorText(err)
	case err != nil:
		out.Result, out.Attempt.Error = Failed, errorText(err)
	case status >= 200 && status < 300:
		out.Result = Delivered
	case status == http.StatusGone:
		out.Result, out.Attempt.Error = Gone, statusText(status)
	default:
		out.Result, out.Attempt.Error, out.RetryAfter = Failed, statusText(status), retryAfter
	}
	return out
}

func (s *Sender) do(ctx context.Context, r Request, start time.Time) (status int, retryAfter time.Duration, snippet string, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.AttemptTimeout)
	defer cancel()
	req, err := buildRequest(ctx, r, start.Unix())
	if err != nil {
		return 0, 0, "", err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return 0, 0, "", fmt.Errorf("no response within %v", s.cfg.AttemptTimeout)
		}
		return 0, 0, "", unwrapURLError(err)
	}
	defer resp.Body.Close()
	// Keep the start of the body, read the rest up to the cap and drop it,
	// so the connection is reused.
	body := io.LimitReader(resp.Body, s.cfg.MaxResponseBytes)
	snippet = readSnippet(body)
	_, _ = io.Copy(io.Discard, body)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
	}
	return resp.StatusCode, retryAfter, snippet, nil
}

// readSnippet reads the first schema.MaxLoggedResponse bytes of body (or
// all of a shorter one) as valid UTF-8: a rune cut by the limit is
// dropped, invalid bytes become U+FFFD (which may make it longer, so it is
// cut again at a rune boundary).
func readSnippet(body io.Reader) string {
	var buf [schema.MaxLoggedResponse]byte
	n, _ := io.ReadFull(body, buf[:])
	b := buf[:n]
	if n == len(buf) { // the body may go on: drop a rune cut in two
		for i := 1; i < utf8.UTFMax && i <= n; i++ {
			if utf8.RuneStart(b[n-i]) {
				if !utf8.FullRune(b[n-i:]) {
					b = b[:n-i]
				}
				break
			}
		}
	}
	if len(b) == 0 {
		return ""
	}
	return validPrefix(string(b), schema.MaxLoggedResponse)
}

// validPrefix is s as valid UTF-8 (invalid bytes as U+FFFD) in at most
// limit bytes, cut at a rune boundary.
func validPrefix(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for len(s) > 0 && !utf8.ValidString(s) { // a rune cut in two
		s = s[:len(s)-1]
	}
	return s
}

// buildRequest makes the contract's webhook request, signed at timestamp ts.
func buildRequest(ctx context.Context, r Request, ts int64) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	if req.URL.Scheme != "https" {
		return nil, errors.New("refusing a non-https URL")
	}
	req.Header = http.Header{
		"Content-Type":      {"application/json"},
		"User-Agent":        {UserAgent},
		"Webhook-Id":        {r.WebhookID},
		"Webhook-Timestamp": {strconv.FormatInt(ts, 10)},
	}
	if r.Test {
		req.Header[TestHeader] = []string{"true"}
	}
	if len(r.Signers) > 0 {
		sigs := make([]string, len(r.Signers))
		for i, sg := range r.Signers {
			sigs[i] = sg.Sign(r.WebhookID, ts, r.Body)
		}
		req.Header["Webhook-Signature"] = []string{strings.Join(sigs, " ")}
	}
	return req, nil
}

// statusText is the error of an attempt answered with status.
func statusText(status int) string { return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)) }

// maxErrorBytes caps an attempt's error text: it is kept in the retry
// record on every later attempt and in the dead letter, and an error can
// quote the receiver (a TLS certificate's names, say) at any length.
const maxErrorBytes = 512

// errorText is err's text as an attempt keeps it: control characters as
// spaces, at most maxErrorBytes of valid UTF-8.
func errorText(err error) string {
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(err.Error(), "\uFFFD"))
	if len(s) <= maxErrorBytes {
		return s
	}
	s = s[:maxErrorBytes]
	for len(s) > 0 && !utf8.ValidString(s) { // a rune cut in two
		s = s[:len(s)-1]
	}
	return s + "…"
}

// unwrapURLError drops the "Post \"https://...\":" prefix that repeats the URL.
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
