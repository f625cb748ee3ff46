package email

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/clock"
)

// Config configures a Sender. The zero value of a field that is not marked
// required (and of OutboxDir when SMTPURL is set) means its default.
type Config struct {
	// From is the sender address of every email (default
	// "postload@localhost"). It may carry a display name:
	// "Postload <postload@example.com>".
	From string
	// SMTPURL is the SMTP server. Empty (the default) means no SMTP: every
	// email is written as an .eml file under OutboxDir.
	// "smtp://[user:pass@]host[:port]" (port default 587) is a plain
	// connection upgraded with STARTTLS when the server offers it, so a local
	// catcher without TLS (Mailpit on 1025) works.
	// "smtps://[user:pass@]host[:port]" (port default 465) is implicit TLS.
	// With user info the client authenticates (AUTH); over a connection that
	// is not encrypted only mechanisms that do not reveal the password
	// (SCRAM, CRAM-MD5) are used.
	SMTPURL string
	// OutboxDir receives the .eml files when SMTPURL is empty; it is created
	// with mode 0700. Required when SMTPURL is empty, ignored otherwise.
	OutboxDir string
	// DigestWindow is how long after a hook's first dead letter further dead
	// letters of that hook are folded into one digest (default 15m).
	DigestWindow time.Duration
	// FailedLoadWindow is how long failed loads of an account are collected,
	// from the first one, before one email lists them all (default 2h).
	FailedLoadWindow time.Duration
	// DigestListMax is how many dead letters a digest lists in full; the
	// rest are counted (default 5).
	DigestListMax int
	// SendTimeout bounds one SMTP attempt, from dial to the server's answer
	// to the message (default 30s).
	SendTimeout time.Duration
	// RetryMin is the wait after a first failed attempt; it doubles with each
	// further failure (default 1s).
	RetryMin time.Duration
	// RetryMax caps the wait between attempts (default 1m).
	RetryMax time.Duration
	// RootCAs verifies the SMTP server's certificate (nil = the system pool).
	RootCAs *x509.CertPool

	// Kafka reads the topics, writes the state topic and runs the group
	// (consumer.Client). Required.
	Kafka Kafka
	// GroupID is the consumer group of the email role, which owns the
	// partitions of DeadLetterTopic and FailedLoadsTopic. Required.
	GroupID string
	// DeadLetterTopic is postload.dlq (keyed by client id). Required.
	DeadLetterTopic string
	// FailedLoadsTopic holds the failed loads Forward re-keyed by client id.
	// Required.
	FailedLoadsTopic string
	// StateTopic is the compacted, one-partition topic that keeps the
	// windows and the emails owed. Required.
	StateTopic string
	// SessionTimeout is the consumer group session: how soon the
	// partitions of a process that died move to another (default 30s).
	SessionTimeout time.Duration
	// KafkaTimeout bounds one write to the state topic (default 10s), and
	// a read of it whole ten times that; Kafka bounds each request.
	KafkaTimeout time.Duration
	// Invalid receives a record of DeadLetterTopic or FailedLoadsTopic that
	// does not decode (err wraps ErrInvalid); the record is committed once
	// it returns nil. nil: such records are logged and skipped.
	Invalid InvalidFunc

	// Clock tells the time (nil = the system clock).
	Clock Clock
	// Log receives what happens (nil = no logging).
	Log *zap.Logger
}

// InvalidFunc hands on a record that does not decode, e.g. to the invalid
// topic; it returns nil once the record was handed on.
type InvalidFunc func(ctx context.Context, src Source, key, value []byte, err error) error

// Defaults.
const (
	DefaultFrom             = "postload@localhost"
	DefaultDigestWindow     = 15 * time.Minute
	DefaultFailedLoadWindow = 2 * time.Hour
	DefaultDigestListMax    = 5
	DefaultSendTimeout      = 30 * time.Second
	DefaultRetryMin         = time.Second
	DefaultRetryMax         = time.Minute
	DefaultSessionTimeout   = 30 * time.Second
	DefaultKafkaTimeout     = 10 * time.Second
)

// Validate reports what to fix in c; zero values stand for their defaults.
func (c Config) Validate() error {
	_, err := c.withDefaults().check()
	return err
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.From == "" {
		c.From = DefaultFrom
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setDur(&c.DigestWindow, DefaultDigestWindow)
	setDur(&c.FailedLoadWindow, DefaultFailedLoadWindow)
	setDur(&c.SendTimeout, DefaultSendTimeout)
	setDur(&c.RetryMin, DefaultRetryMin)
	setDur(&c.RetryMax, DefaultRetryMax)
	setDur(&c.SessionTimeout, DefaultSessionTimeout)
	setDur(&c.KafkaTimeout, DefaultKafkaTimeout)
	if c.DigestListMax == 0 {
		c.DigestListMax = DefaultDigestListMax
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}

// check validates a config with defaults applied and parses its SMTP URL
// (nil when there is none).
func (c Config) check() (*smtpTarget, error) {
	var errs []error
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("email: From %q is not an email address (%v): use e.g. postload@example.com", c.From, err))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"DigestWindow", c.DigestWindow}, {"FailedLoadWindow", c.FailedLoadWindow},
		{"SendTimeout", c.SendTimeout}, {"RetryMin", c.RetryMin},
		{"RetryMax", c.RetryMax}, {"SessionTimeout", c.SessionTimeout}, {"KafkaTimeout", c.KafkaTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("email: %s is %v: use a positive duration, or 0 for the default", d.name, d.v))
		}
	}
	if c.RetryMax < c.RetryMin {
		errs = append(errs, fmt.Errorf("email: RetryMax %v is below RetryMin %v: raise RetryMax", c.RetryMax, c.RetryMin))
	}
	if c.DigestListMax < 0 {
		errs = append(errs, fmt.Errorf("email: DigestListMax is %d: use a positive number, or 0 for the default", c.DigestListMax))
	}
	if c.Kafka == nil {
		errs = append(errs, errors.New("email: no Kafka: set Config.Kafka to the Kafka client (consumer.Client)"))
	}
	for _, f := range []struct{ name, v string }{
		{"GroupID", c.GroupID}, {"DeadLetterTopic", c.DeadLetterTopic},
		{"FailedLoadsTopic", c.FailedLoadsTopic}, {"StateTopic", c.StateTopic},
	} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("email: %s is empty: set it", f.name))
		}
	}
	if c.DeadLetterTopic != "" && (c.DeadLetterTopic == c.FailedLoadsTopic || c.DeadLetterTopic == c.StateTopic || c.FailedLoadsTopic == c.StateTopic) {
		errs = append(errs, errors.New("email: DeadLetterTopic, FailedLoadsTopic and StateTopic must be three different topics"))
	}
	var target *smtpTarget
	if c.SMTPURL == "" {
		if c.OutboxDir == "" {
			errs = append(errs, errors.New("email: neither SMTPURL nor OutboxDir is set: set SMTPURL to send emails, or OutboxDir to write them as .eml files"))
		}
	} else {
		t, err := parseSMTPURL(c.SMTPURL)
		if err != nil {
			errs = append(errs, err)
		}
		target = t
	}
	return target, errors.Join(errs...)
}
