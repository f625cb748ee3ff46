package email_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	postloademail "github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/schema"
)

// While the SMTP server is down, or refuses messages, the records are
// folded and committed but nothing is sent; once it accepts again every
// email arrives, once.
func TestSMTPOutageDelaysNeverLoses(t *testing.T) {
	for _, tc := range []struct {
		name         string
		break_, heal func(*smtptest.Server)
	}{
		{"server down", (*smtptest.Server).Down, (*smtptest.Server).Up},
		{"server refuses", func(srv *smtptest.Server) {
			srv.Refuse(func(int) error {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			})
		}, func(srv *smtptest.Server) { srv.Refuse(nil) }},
		{"server rejects", func(srv *smtptest.Server) {
			srv.Refuse(func(int) error {
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 3, 0}, Message: "no"}
			})
		}, func(srv *smtptest.Server) { srv.Refuse(nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			cfg := e.config(t)
			cfg.Clock = nil // backoff in real time
			cfg.DigestWindow = 500 * time.Millisecond
			s := startOwning(t, cfg, recipientsOf(map[int64][]string{3: {"ops@example.com"}}))
			tc.break_(e.srv)

			for i := range 3 { // three hooks: three emails at once
				e.produceDeadLetter(t, fmt.Sprintf("out-%d", i), hookRef(int64(100+i), 3), schema.ReasonRetriesExhausted)
			}
			// and one folded into hook 100's digest
			e.produceDeadLetter(t, "out-folded", hookRef(100, 3), schema.ReasonRetriesExhausted)
			waitStats(t, s.Sender, func(st postloademail.Stats) bool { return st.SendFailures >= 6 && st.Pending == 4 })
			e.waitCommitted(t, dlqTopic)
			if n := len(e.srv.Messages()); n != 0 {
				t.Fatalf("%d messages accepted during the outage", n)
			}

			tc.heal(e.srv)
			msgs := messages(t, e.srv, 4)
			waitStats(t, s.Sender, func(st postloademail.Stats) bool { return st.Pending == 0 })
			if len(msgs) != 4 {
				t.Fatalf("got %d emails, want 3 at once and 1 digest", len(msgs))
			}
			if st := s.Stats(); st.Sent != 4 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A message the server refuses every time is given up after
// MaxMessageAttempts, counted, so that it does not hold back the emails
// behind it; it is no longer owed, so the next owner does not try again.
func TestAMessageRefusedEveryTimeIsGivenUp(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(t)
	cfg.Clock = nil
	e.srv.Refuse(func(int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	})
	r := recipientsOf(map[int64][]string{3: {"gone@example.com"}})
	a := startOwning(t, cfg, r)
	e.produceDeadLetter(t, "refused", hookRef(100, 3), schema.ReasonRetriesExhausted)
	waitStats(t, a.Sender, func(st postloademail.Stats) bool { return st.Rejected == 1 && st.Pending == 0 })
	if st := a.Stats(); st.SendFailures != postloademail.MaxMessageAttempts || st.Sent != 0 {
		t.Errorf("stats %+v, want 1 rejected after %d failures", st, postloademail.MaxMessageAttempts)
	}
	a.stop()
	b := startOwning(t, cfg, r)
	if st := b.Stats(); st.Pending != 0 {
		t.Errorf("stats %+v: the given-up email is owed again", st)
	}
}
