package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// smtpTransport sends each email over its own SMTP connection.
type smtpTransport struct {
	target  *smtpTarget
	timeout time.Duration // per attempt
	roots   *x509.CertPool
}

func (st *smtpTransport) deliver(ctx context.Context, m *mail.Msg, _ string) (string, error) {
	timeout := st.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return st.target.redacted, fmt.Errorf("%w: %w", errUnavailable, context.DeadlineExceeded)
	}
	// A client per attempt: its timeout, which bounds the dial and sets the
	// connection's deadline, is what is left of ctx.
	c, err := mail.NewClient(st.target.host, st.options(timeout)...)
	if err != nil {
		return st.target.redacted, fmt.Errorf("smtp client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = c.DialAndSendWithContext(ctx, m)
	if m.IsDelivered() {
		return st.target.redacted, nil // accepted; a failed QUIT does not matter
	}
	if err == nil {
		err = errors.New("message not accepted")
	}
	if !messageLevel(err) {
		err = fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return st.target.redacted, err
}

// messageLevel reports whether err concerns one message (its recipients or
// content) rather than the connection, TLS, AUTH or the sender address.
func messageLevel(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose, mail.ErrWriteContent,
		mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return true
	}
	return false
}

func (st *smtpTransport) options(timeout time.Duration) []mail.Option {
	t := st.target
	opts := []mail.Option{
		mail.WithPort(t.port),
		mail.WithTimeout(timeout),
		mail.WithTLSConfig(&tls.Config{
			ServerName: t.host,
			RootCAs:    st.roots,
			MinVersion: tls.VersionTLS12,
		}),
	}
	if t.implicit {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if t.auth {
		// Auto-discovery picks PLAIN or LOGIN only over TLS.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(t.user), mail.WithPassword(t.pass))
	}
	return opts
}
