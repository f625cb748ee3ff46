package email_test

import (
	"testing"

	"github.com/postload/postload/email"
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
			e := newEnv(t)
			cfg := e.config(t)
			cfg.SMTPURL = tc.scheme + "://postload:s3cret%3A%2F%40@" + srv.Addr()
			cfg.RootCAs = roots
			startOwning(t, cfg, recipientsOf(map[int64][]string{1: {"ops@example.com"}}))
			e.produceDeadLetter(t, "tls-1", hookRef(1, 1), schema.ReasonRetriesExhausted)
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
	e := newEnv(t)
	cfg := e.config(t)
	cfg.SMTPURL = "smtp://" + srv.Addr()
	s := startOwning(t, cfg, recipientsOf(map[int64][]string{1: {"ops@example.com"}}))
	e.produceDeadLetter(t, "tls-2", hookRef(1, 1), schema.ReasonRetriesExhausted)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.SendFailures > 0 && st.Pending == 1 })
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
}
