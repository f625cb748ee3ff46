package email

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// Subjects of the emails.
const (
	SubjectUndeliverable = "Unable to Deliver Post Load Notification"
	SubjectHookGone      = "Post-load hook disabled: the receiver answered 410 Gone"
	SubjectFailedLoads   = "We're having trouble writing to your data warehouse"
)

// letter is a rendered email, sent as often as it takes.
type letter struct {
	id         string // short random id: in the Message-ID and the outbox file name
	kind       string // for logs: dead_letter, hook_gone, digest, failed_loads
	to         []string
	subject    string
	text, html string
	date       time.Time
}

// newLetter renders the templates named name with data.
func (s *Sender) newLetter(name, subject string, data any, to []string) (*letter, error) {
	text, html, err := s.tpl.render(name, data)
	if err != nil {
		return nil, err
	}
	return &letter{id: shortID(), kind: name, to: to, subject: subject,
		text: text, html: html, date: time.Now()}, nil
}

// message builds the go-mail message of l; it is built again for each
// attempt, with the same Message-ID, so receivers can drop duplicates.
func (s *Sender) message(l *letter) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.To(l.to...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(l.subject)
	m.SetDateWithValue(l.date)
	m.SetMessageIDWithValue(l.id + "@" + s.domain)
	m.SetGenHeader("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	m.SetBodyString(mail.TypeTextPlain, l.text)
	m.AddAlternativeString(mail.TypeTextHTML, l.html)
	return m, nil
}

// shortID is 10 random hex digits.
func shortID() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
