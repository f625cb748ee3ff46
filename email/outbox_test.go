package email_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/schema"
	"go.uber.org/zap/zaptest"
)

// Without SMTP each email is a parseable .eml file in the outbox, which is
// created 0700.
func TestOutboxWritesEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	s := mustRun(t, email.Config{OutboxDir: dir, Log: zaptest.NewLogger(t)},
		recipientsOf(map[int64][]string{9: {"ops@example.com"}}))
	h := hookRef(3, 9)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.HandleDeadLetter(ctx, deadLetter(t, "eml-1", h, schema.ReasonRetriesExhausted)); err != nil {
		t.Fatalf("HandleDeadLetter: %v", err)
	}

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("outbox mode %v, want 0700", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Fatalf("outbox holds %v, want one .eml file", entries)
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
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
	if m.Header.Get("Message-ID") == "" || m.Header.Get("Date") == "" {
		t.Errorf("missing Message-ID or Date: %v", m.Header)
	}
	mustContain(t, m.Text, h.URL, "eml-1", "status 503")
	mustContain(t, m.HTML, h.URL, "eml-1")
	if st := s.Stats(); st.Sent != 1 {
		t.Errorf("stats %+v", st)
	}
}
