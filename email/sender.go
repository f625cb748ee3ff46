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

	"github.com/postload/postload/schema"
	"go.uber.org/zap"
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

// ErrInvalid is wrapped by the error a handler returns for a value that does
// not decode; it wraps schema.ErrInvalid in turn, so either works with
// errors.Is. The error's text after "email: invalid record: " is the
// decoder's reason. The caller routes such a record to the invalid topic.
var ErrInvalid error = invalidRecord{}

type invalidRecord struct{}

func (invalidRecord) Error() string { return "email: invalid record" }
func (invalidRecord) Unwrap() error { return schema.ErrInvalid }

// ErrStopped is returned by a handler whose email was not sent because Run
// has stopped (or stopped before sending it); the record must be
// redelivered.
var ErrStopped = errors.New("email: sender stopped")

// Sender mails dead letters and failed loads; see the package comment.
type Sender struct {
	cfg        Config
	recipients Recipients
	transport  transport
	tpl        templates
	domain     string        // of From, for Message-IDs
	kick       chan struct{} // wakes Run when a job or a window appears
	started    atomic.Bool

	mu        sync.Mutex
	hooks     map[int64]*cycle // open digest windows by hook id
	accounts  map[int64]*batch // open failed-load windows by client id
	queue     []*job           // emails to send, oldest first
	gate      time.Time        // nothing is sent before it (server unavailable)
	gateFails int              // consecutive attempts that found the server unavailable
	stopped   bool

	stats counters
}

// New checks cfg and returns a Sender; it sends nothing until Run runs.
// recipients gives each account's enabled recipients.
func New(cfg Config, recipients Recipients) (*Sender, error) {
	if recipients == nil {
		return nil, errors.New("email: recipients is nil: pass the recipient registry")
	}
	cfg = cfg.withDefaults()
	target, err := cfg.check()
	if err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(cfg.From) // checked
	s := &Sender{
		cfg:        cfg,
		recipients: recipients,
		domain:     from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		kick:       make(chan struct{}, 1), // one pending wake-up is enough
		hooks:      map[int64]*cycle{},
		accounts:   map[int64]*batch{},
	}
	if s.tpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	if target != nil {
		s.transport = &smtpTransport{target: target, timeout: cfg.SendTimeout, roots: cfg.RootCAs}
		cfg.Log.Info("emails go to SMTP", zap.String("smtp_url", target.redacted))
	} else {
		if err := os.MkdirAll(cfg.OutboxDir, 0o700); err != nil {
			return nil, fmt.Errorf("email: create OutboxDir: %w", err)
		}
		s.transport = &outbox{dir: cfg.OutboxDir}
		cfg.Log.Info("no SMTP server: emails are written to the outbox", zap.String("dir", cfg.OutboxDir))
	}
	return s, nil
}

// wake makes Run look at the state again.
func (s *Sender) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
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
