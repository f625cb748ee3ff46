package email

import (
	"cmp"
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
	// From is the sender address of every email. It may carry a display
	// name: "Postload <postload@example.com>". Default DefaultFrom
	// ("postload@localhost").
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
	// letters of that hook are folded into one digest. Default
	// DefaultDigestWindow (15m).
	DigestWindow time.Duration
	// FailedLoadWindow is how long failed loads of an account are collected,
	// from the first one, before one email lists them all. Default
	// DefaultFailedLoadWindow (2h).
	FailedLoadWindow time.Duration
	// DigestListMax is how many dead letters a digest lists in full; the
	// rest are counted. Default DefaultDigestListMax (5).
	DigestListMax int
	// SendTimeout bounds one SMTP attempt, from dial to the server's answer
	// to the message. Default DefaultSendTimeout (30s).
	SendTimeout time.Duration
	// RetryMin is the wait after a first failed attempt; it doubles with each
	// further failure. Default DefaultRetryMin (1s).
	RetryMin time.Duration
	// RetryMax caps the wait between attempts. Default DefaultRetryMax (1m).
	RetryMax time.Duration
	// RootCAs verifies the SMTP server's certificate. Default: the system
	// pool.
	RootCAs *x509.CertPool

	// Kafka reads the topics, writes the state topic and runs the group
	// (consumer.Client). Required.
	Kafka Kafka
	// GroupID is the consumer group of the email role, which owns the
	// partitions of DeadLetterTopic and FailedLoadsTopic. Required.
	GroupID string
	// DeadLetterTopic is postload.dlq (keyed by client id). Required.
	DeadLetterTopic string
	// FailedLoadsTopic holds the failed loads Forward re-keyed by client id,
	// and the auto-disable notices (Notice), also keyed by client id.
	// Required.
	FailedLoadsTopic string
	// StateTopic is the compacted, one-partition topic that keeps the
	// windows and the emails owed. Required.
	StateTopic string
	// SessionTimeout is the consumer group session: how soon the
	// partitions of a process that died move to another. Default
	// DefaultSessionTimeout (30s).
	SessionTimeout time.Duration
	// KafkaTimeout bounds one write to the state topic, and a read of it
	// whole ten times that; Kafka bounds each request. Default
	// DefaultKafkaTimeout (10s).
	KafkaTimeout time.Duration
	// Invalid receives a record of DeadLetterTopic or FailedLoadsTopic that
	// does not decode (err wraps ErrInvalid); the record is committed once
	// it returns nil. Default: such records are logged and skipped.
	Invalid InvalidFunc

	// Clock tells the time. Default: the system clock.
	Clock Clock
	// Log receives what happens. Default: no logging.
	Log *zap.Logger
}

// InvalidFunc hands on a record that does not decode, e.g. to the invalid
// topic; it returns nil once the record was handed on.
type InvalidFunc func(ctx context.Context, src Source, key, value []byte, err error) error

// Defaults of Config.
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

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.From = cmp.Or(c.From, DefaultFrom)
	c.DigestWindow = cmp.Or(c.DigestWindow, DefaultDigestWindow)
	c.FailedLoadWindow = cmp.Or(c.FailedLoadWindow, DefaultFailedLoadWindow)
	c.DigestListMax = cmp.Or(c.DigestListMax, DefaultDigestListMax)
	c.SendTimeout = cmp.Or(c.SendTimeout, DefaultSendTimeout)
	c.RetryMin = cmp.Or(c.RetryMin, DefaultRetryMin)
	c.RetryMax = cmp.Or(c.RetryMax, DefaultRetryMax)
	c.SessionTimeout = cmp.Or(c.SessionTimeout, DefaultSessionTimeout)
	c.KafkaTimeout = cmp.Or(c.KafkaTimeout, DefaultKafkaTimeout)
	c.Clock = cmp.Or[Clock](c.Clock, clock.System{})
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
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
	return errors.Join(append(errs, c.validateKafka(), c.validateTarget())...)
}

// validateKafka reports what to fix in the Kafka fields of c.
func (c Config) validateKafka() error {
	var errs []error
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
	return errors.Join(errs...)
}

// validateTarget reports what to fix in where the emails go: an SMTP
// server, or else the outbox.
func (c Config) validateTarget() error {
	if c.SMTPURL != "" {
		_, err := parseSMTPURL(c.SMTPURL)
		return err
	}
	if c.OutboxDir == "" {
		return errors.New("email: neither SMTPURL nor OutboxDir is set: set SMTPURL to send emails, or OutboxDir to write them as .eml files")
	}
	return nil
}
