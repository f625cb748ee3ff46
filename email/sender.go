package email

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Recipients gives an account's enabled notification recipients.
// (*hook.Store).Recipients satisfies it.
type Recipients interface {
	Recipients(clientID int64) []schema.Recipient
}

// RecipientsFunc adapts a function to Recipients.
type RecipientsFunc func(clientID int64) []schema.Recipient

// Recipients calls f.
func (f RecipientsFunc) Recipients(clientID int64) []schema.Recipient { return f(clientID) }

// ErrInvalid is wrapped by the error Forward returns, and the error given
// to Config.Invalid, for a value that does not decode; it wraps
// schema.ErrInvalid in turn, so either works with errors.Is. The error's
// text after "email: invalid record: " is the decoder's reason.
var ErrInvalid error = invalidRecord{}

type invalidRecord struct{}

func (invalidRecord) Error() string { return "email: invalid record" }
func (invalidRecord) Unwrap() error { return schema.ErrInvalid }

// Sender mails dead letters and failed loads; see the package comment.
type Sender struct {
	cfg        Config
	recipients Recipients
	transport  transport
	tpl        templates
	domain     string        // of From, for Message-IDs
	kick       chan struct{} // wakes the sending loop when a job appears
	started    atomic.Bool

	kafka Kafka
	state *stateLog

	mu        sync.Mutex
	owned     map[partition]*part // the partitions this process owns now
	queue     []*job              // emails owed by owned partitions, oldest first
	current   *job                // the job being attempted (and marked)
	idle      *sync.Cond          // signalled when current becomes nil
	gate      time.Time           // nothing is sent before it (server unavailable)
	gateFails int                 // consecutive attempts that found the server unavailable

	stats counters
}

// New checks cfg and returns a Sender; it touches neither Kafka nor the
// SMTP server until Run runs.
// recipients gives each account's enabled recipients.
func New(cfg Config, recipients Recipients) (*Sender, error) {
	if recipients == nil {
		return nil, errors.New("email: recipients is nil: pass the recipient registry")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	from, _ := mail.ParseAddress(cfg.From) // checked
	s := &Sender{
		cfg:        cfg,
		kafka:      cfg.Kafka,
		recipients: recipients,
		domain:     from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		kick:       make(chan struct{}, 1), // one pending wake-up is enough
		owned:      map[partition]*part{},
	}
	s.idle = sync.NewCond(&s.mu)
	s.state = &stateLog{kafka: cfg.Kafka, topic: cfg.StateTopic, timeout: cfg.KafkaTimeout}
	var err error
	if s.tpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	if s.transport, err = newTransport(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// newTransport is where cfg's emails go: the SMTP server of SMTPURL, or
// else the outbox, which it creates.
func newTransport(cfg Config) (transport, error) {
	if cfg.SMTPURL != "" {
		target, err := parseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		cfg.Log.Info("emails go to SMTP", zap.String("smtp_url", target.redacted))
		return &smtpTransport{target: target, timeout: cfg.SendTimeout, roots: cfg.RootCAs}, nil
	}
	if err := os.MkdirAll(cfg.OutboxDir, 0o700); err != nil {
		return nil, fmt.Errorf("email: create OutboxDir: %w", err)
	}
	cfg.Log.Info("no SMTP server: emails are written to the outbox", zap.String("dir", cfg.OutboxDir))
	return &outbox{dir: cfg.OutboxDir}, nil
}

// addresses returns the account's recipient addresses: enabled, valid and
// each once (compared without case), in the registry's order.
func (s *Sender) addresses(clientID int64) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.recipients.Recipients(clientID) {
		if r.DisabledAt != nil || r.DeletedAt != nil {
			continue
		}
		a, err := mail.ParseAddress(r.EmailAddress)
		if err != nil {
			s.cfg.Log.Warn("recipient address does not parse; skipped",
				zap.Int64("client_id", clientID), zap.Int64("recipient_id", r.ID), zap.Error(err))
			continue
		}
		if k := strings.ToLower(a.Address); !seen[k] {
			seen[k] = true
			out = append(out, a.Address)
		}
	}
	return out
}
