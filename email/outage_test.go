package email_test

import (
	"context"
	"fmt"
	postloademail "github.com/postload/postload/email"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// While the SMTP server is down, or refuses messages, no handler returns;
// once it accepts again every email arrives and every handler returns nil.
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
			srv := smtptest.Start(t, smtptest.Options{})
			s := mustRun(t, smtpConfig(t, srv), recipientsOf(map[int64][]string{3: {"ops@example.com"}}))
			tc.break_(srv)

			var values [][]byte
			for i := range 3 { // three hooks: three emails at once
				values = append(values, deadLetter(t, fmt.Sprintf("out-%d", i), hookRef(int64(100+i), 3), schema.ReasonRetriesExhausted))
			}
			// and one folded into hook 100's digest
			values = append(values, deadLetter(t, "out-folded", hookRef(100, 3), schema.ReasonRetriesExhausted))
			results := handleAll(context.Background(), srv, s.HandleDeadLetter, values...)

			wait.For(t, 10*time.Second, func() (bool, string) {
				st := s.Stats()
				return st.SendFailures >= 6, fmt.Sprintf("stats %+v", st)
			})
			select {
			case r := <-results:
				t.Fatalf("handler %d returned %v during the outage", r.i, r.err)
			default:
			}
			if n := len(srv.Messages()); n != 0 {
				t.Fatalf("%d messages accepted during the outage", n)
			}

			tc.heal(srv)
			for _, r := range mustCollect(t, results, len(values), 15*time.Second) {
				if r.accepted < 1 {
					t.Errorf("handler %d returned before its email was accepted", r.i)
				}
			}
			msgs := messages(t, srv, 4)
			if len(msgs) != 4 {
				t.Fatalf("got %d emails, want 3 at once and 1 digest", len(msgs))
			}
			if st := s.Stats(); st.Sent != 4 || st.Pending != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A message the server refuses every time is given up after
// MaxMessageAttempts, counted, so that it does not hold back the records
// behind it.
func TestAMessageRefusedEveryTimeIsGivenUp(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Refuse(func(int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	})
	s := mustRun(t, smtpConfig(t, srv), recipientsOf(map[int64][]string{3: {"gone@example.com"}}))
	results := handleAll(context.Background(), srv, s.HandleDeadLetter, deadLetter(t, "refused", hookRef(100, 3), schema.ReasonRetriesExhausted))
	for _, r := range mustCollect(t, results, 1, 30*time.Second) {
		if r.err != nil {
			t.Fatalf("handler: %v", r.err)
		}
	}
	if st := s.Stats(); st.Rejected != 1 || st.SendFailures != postloademail.MaxMessageAttempts || st.Sent != 0 {
		t.Errorf("stats %+v, want 1 rejected after %d failures", st, postloademail.MaxMessageAttempts)
	}
}
