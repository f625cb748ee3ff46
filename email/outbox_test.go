package email_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// Without SMTP each email is a parseable .eml file in the outbox, which is
// created 0700, named by the email's Date and stable ID.
func TestOutboxWritesEML(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	cfg := e.config(t)
	cfg.SMTPURL, cfg.OutboxDir, cfg.From = "", dir, ""
	s := startOwning(t, cfg, recipientsOf(map[int64][]string{9: {"ops@example.com"}}))
	h := hookRef(3, 9)
	e.produceDeadLetter(t, "eml-1", h, schema.ReasonRetriesExhausted)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Sent == 1 })

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("outbox mode %v, want 0700", fi.Mode().Perm())
	}
	var entries []os.DirEntry
	wait.For(t, 5*time.Second, func() (bool, string) {
		entries, _ = os.ReadDir(dir)
		return len(entries) == 1, "files in the outbox"
	})
	name := entries[0].Name()
	if !strings.HasPrefix(name, "20261127T070000.000Z-dead_letter.3.") || !strings.HasSuffix(name, ".postload.dlq.eml") {
		t.Fatalf("outbox file %q, want <date>-dead_letter.3.<partition>.<offset>.postload.dlq.eml", name)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	m := smtptest.Parse(t, data)
	if m.Subject != email.SubjectUndeliverable {
		t.Errorf("subject %q", m.Subject)
	}
	if !slices.Equal(m.To, []string{"ops@example.com"}) {
		t.Errorf("To %v", m.To)
	}
	if from := m.Header.Get("From"); !strings.Contains(from, email.DefaultFrom) {
		t.Errorf("From %q, want the default %s", from, email.DefaultFrom)
	}
	if id := m.Header.Get("Message-ID"); id != "<"+strings.TrimSuffix(strings.TrimPrefix(name, "20261127T070000.000Z-"), ".eml")+"@localhost>" {
		t.Errorf("Message-ID %q does not match the file name %q", id, name)
	}
	if m.Header.Get("Date") == "" {
		t.Errorf("missing Date: %v", m.Header)
	}
	mustContain(t, m.Text, h.URL, "eml-1", "status 503")
	mustContain(t, m.HTML, h.URL, "eml-1")
}
