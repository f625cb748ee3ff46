package email

import (
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

// letter is a rendered email, owed until it was sent: it is kept in the
// state topic as it is, so that whoever sends it sends the same message.
type letter struct {
	// ID names the email for good: it is derived from the record (or the
	// window) that caused it, so an email owed again after a crash has the
	// same ID, Message-ID and outbox file. See letterID.
	ID       string    `json:"id"`
	Kind     string    `json:"kind"` // dead_letter, hook_gone, digest, failed_loads
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	HTML     string    `json:"html"`
	Date     time.Time `json:"date"`
	Covers   int       `json:"covers"` // the records it covers
	HookID   int64     `json:"hook_id,omitempty"`
	ClientID int64     `json:"client_id"`
}

// letterID is "<kind>.<hook or client id>.<partition>.<offset>.<topic>":
// the record at offset of the input partition caused it (for a digest or
// a failed-loads email, the record that opened the window). Every part is
// made of characters a Message-ID may hold, and the last one is the only
// one that may contain a dot, so two different emails never share an ID.
func letterID(kind string, subject int64, src partition, offset int64) string {
	return fmt.Sprintf("%s.%d.%d.%d.%s", kind, subject, src.id, offset, src.topic)
}

// fileName is the outbox file of l: its Date, then its ID.
func (l *letter) fileName() string {
	return l.Date.UTC().Format("20060102T150405.000Z") + "-" + l.ID + ".eml"
}

// newLetter renders the templates named kind with data.
func (s *Sender) newLetter(kind, subject string, data any, to []string, id string) (*letter, error) {
	text, html, err := s.tpl.render(kind, data)
	if err != nil {
		return nil, err
	}
	return &letter{ID: id, Kind: kind, To: to, Subject: subject, Text: text, HTML: html,
		Date: s.cfg.Clock.Now().UTC().Truncate(time.Second)}, nil
}

// message builds the go-mail message of l; it is built again for each
// attempt, with the same Message-ID, so receivers can drop duplicates.
func (s *Sender) message(l *letter) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.To(l.To...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(l.Subject)
	m.SetDateWithValue(l.Date)
	m.SetMessageIDWithValue(l.ID + "@" + s.domain)
	m.SetGenHeader("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	m.SetBodyString(mail.TypeTextPlain, l.Text)
	m.AddAlternativeString(mail.TypeTextHTML, l.HTML)
	return m, nil
}
