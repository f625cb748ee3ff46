package email_test

import (
	"context"
	"testing"
	"time"

	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/schema"
)

// smtp:// upgrades with STARTTLS when offered and authenticates with the
// URL's user info; smtps:// speaks TLS from the first byte.
func TestTLSAndAuth(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scheme   string
		implicit bool
	}{
		{"STARTTLS", "smtp", false},
		{"implicit TLS", "smtps", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tlsCfg, roots := smtptest.MustTLS(t)
			srv := smtptest.Start(t, smtptest.Options{TLS: tlsCfg, Implicit: tc.implicit, User: "postload", Pass: "s3cret:/@"})
			cfg := smtpConfig(t, srv)
			cfg.SMTPURL = tc.scheme + "://postload:s3cret%3A%2F%40@" + srv.Addr()
			cfg.RootCAs = roots
			s := mustRun(t, cfg, recipientsOf(map[int64][]string{1: {"ops@example.com"}}))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.HandleDeadLetter(ctx, deadLetter(t, "tls-1", hookRef(1, 1), schema.ReasonRetriesExhausted)); err != nil {
				t.Fatalf("HandleDeadLetter: %v", err)
			}
			m := messages(t, srv, 1)[0]
			if !m.Env.TLS || m.Env.Auth != "postload" {
				t.Errorf("session TLS=%v auth=%q, want TLS and user postload", m.Env.TLS, m.Env.Auth)
			}
		})
	}
}

// A server whose certificate is not trusted gets nothing: with STARTTLS
// offered, the client does not fall back to plain text.
func TestUntrustedCertificateIsNotBypassed(t *testing.T) {
	tlsCfg, _ := smtptest.MustTLS(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: tlsCfg})
	cfg := smtpConfig(t, srv)
	cfg.FlushTimeout = 100 * time.Millisecond
	s := mustRun(t, cfg, recipientsOf(map[int64][]string{1: {"ops@example.com"}}))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.HandleDeadLetter(ctx, deadLetter(t, "tls-2", hookRef(1, 1), schema.ReasonRetriesExhausted)); err == nil {
		t.Fatal("HandleDeadLetter returned nil with an untrusted certificate")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
	if st := s.Stats(); st.SendFailures == 0 {
		t.Errorf("stats %+v, want failures", st)
	}
}
