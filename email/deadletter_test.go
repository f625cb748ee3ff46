package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/schema"
)

// Dead letters of distinct hooks each get an email at once, to exactly the
// enabled recipients the registry gives for the hook's account.
func TestDeadLettersOfDistinctHooksMailedAtOnce(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	byClient := map[int64][]string{
		116078: {"ops@example.com", "data@example.com"},
		200:    {"alerts@other.example"},
	}
	cfg := smtpConfig(t, srv)
	cfg.DigestWindow = time.Hour // nothing here may wait for a window
	s := mustRun(t, cfg, recipientsOf(byClient))

	hooks := []schema.HookRef{hookRef(8, 116078), hookRef(9, 116078), hookRef(10, 200)}
	var values [][]byte
	for i, h := range hooks {
		values = append(values, deadLetter(t, "evt-"+string(rune('a'+i)), h, schema.ReasonRetriesExhausted))
	}
	results := handleAll(context.Background(), srv, s.HandleDeadLetter, values...)
	for _, h := range mustCollect(t, results, len(values), 10*time.Second) {
		if h.accepted < 1 {
			t.Errorf("handler %d returned before any email was accepted", h.i)
		}
	}

	msgs := messages(t, srv, len(hooks))
	if len(msgs) != len(hooks) {
		t.Fatalf("got %d emails, want %d", len(msgs), len(hooks))
	}
	for i, h := range hooks {
		m := findByText(t, msgs, h.URL)
		want := byClient[h.ClientID]
		if !slices.Equal(m.To, want) {
			t.Errorf("hook %d: To header %v, want exactly %v", h.ID, m.To, want)
		}
		if !slices.Equal(sorted(m.Env.To), sorted(want)) {
			t.Errorf("hook %d: envelope recipients %v, want %v", h.ID, m.Env.To, want)
		}
		if m.Env.From != "postload@example.com" {
			t.Errorf("envelope sender %q", m.Env.From)
		}
		if m.Subject != email.SubjectUndeliverable {
			t.Errorf("subject %q, want %q", m.Subject, email.SubjectUndeliverable)
		}
		for _, part := range []string{m.Text, m.HTML} {
			mustContain(t, part, h.URL, "evt-"+string(rune('a'+i)), "shopify", "orders",
				"status 503", "HTTP 503", "connect: connection refused", "context deadline exceeded",
				"2026-11-27 06:00:01 UTC")
		}
	}
	if st := s.Stats(); st.Sent != 3 || st.Folded != 0 || st.SkippedNoRecipient != 0 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A hook_gone dead letter gets the hook-disabled email; the hook's later
// dead letters in the window (hook_disabled ones, another 410) are only
// counted in its digest.
func TestHookGoneMailedOnceThenFolded(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := mustRun(t, smtpConfig(t, srv), recipientsOf(map[int64][]string{7: {"ops@example.com"}}))
	h := hookRef(42, 7)

	first := handleAll(context.Background(), srv, s.HandleDeadLetter, deadLetter(t, "gone-1", h, schema.ReasonHookGone))
	mustCollect(t, first, 1, 10*time.Second)
	gone := messages(t, srv, 1)[0]
	if gone.Subject != email.SubjectHookGone {
		t.Fatalf("subject %q, want %q", gone.Subject, email.SubjectHookGone)
	}
	for _, part := range []string{gone.Text, gone.HTML} {
		mustContain(t, part, h.URL, "gone-1", "410", "disabled",
			"PUT /notifications/public/v1/api/hooks/42")
	}
	mustContain(t, gone.Text, `{"enable": true}`)

	rest := handleAll(context.Background(), srv, s.HandleDeadLetter,
		deadLetter(t, "gone-2", h, schema.ReasonHookGone),
		deadLetter(t, "pending-1", h, schema.ReasonHookDisabled),
		deadLetter(t, "pending-2", h, schema.ReasonHookDisabled))
	mustCollect(t, rest, 3, 10*time.Second)
	msgs := messages(t, srv, 2)
	if len(msgs) != 2 {
		t.Fatalf("got %d emails, want the 410 email and one digest", len(msgs))
	}
	digest := msgs[1]
	if digest.Subject != email.SubjectUndeliverable {
		t.Errorf("digest subject %q", digest.Subject)
	}
	mustContain(t, digest.Text, "3 more notifications to "+h.URL+" could not be delivered",
		"2 were waiting for a retry when the hook was disabled", "1 got 410 Gone", "pending-1", "pending-2", "gone-2")
	if st := s.Stats(); st.Sent != 2 || st.Folded != 3 {
		t.Errorf("stats %+v", st)
	}
}

// An account without enabled recipients: the handler returns nil at once
// and the record is counted as skipped.
func TestNoRecipientSkipsAndCounts(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := mustRun(t, smtpConfig(t, srv), recipientsOf(nil))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.HandleDeadLetter(ctx, deadLetter(t, "e1", hookRef(1, 99), schema.ReasonRetriesExhausted)); err != nil {
		t.Fatalf("HandleDeadLetter: %v", err)
	}
	if err := s.HandleLoadFailure(ctx, loadFailure(t, "f1", 99, "orders", "boom")); err != nil {
		t.Fatalf("HandleLoadFailure: %v", err)
	}
	if st := s.Stats(); st.SkippedNoRecipient != 2 || st.Sent != 0 {
		t.Errorf("stats %+v, want 2 skipped and nothing sent", st)
	}
	if n := srv.Conns(); n != 0 {
		t.Errorf("%d SMTP sessions, want none", n)
	}
}

func findByText(t *testing.T, msgs []parsedMessage, s string) parsedMessage {
	t.Helper()
	var found []parsedMessage
	for _, m := range msgs {
		if strings.Contains(m.Text, s) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d emails mention %q, want 1", len(found), s)
	}
	return found[0]
}

func mustContain(t *testing.T, text string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(text, sub) {
			t.Errorf("missing %q in:\n%s", sub, text)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// Whatever the registry returns, a disabled or deleted recipient, an
// address that does not parse and a repeated address get nothing extra.
func TestRecipientsFilteredDefensively(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	now := time.Now().UTC()
	r := &fakeRecipients{recipients: func(clientID int64) []schema.Recipient {
		return []schema.Recipient{
			{ID: 1, ClientID: clientID, EmailAddress: "ops@example.com"},
			{ID: 2, ClientID: clientID, EmailAddress: "paused@example.com", DisabledAt: &now},
			{ID: 3, ClientID: clientID, EmailAddress: "gone@example.com", DeletedAt: &now},
			{ID: 4, ClientID: clientID, EmailAddress: "not an address"},
			{ID: 5, ClientID: clientID, EmailAddress: "OPS@example.com"},
		}
	}}
	s := mustRun(t, smtpConfig(t, srv), r)
	mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter,
		deadLetter(t, "r-1", hookRef(1, 1), schema.ReasonRetriesExhausted)), 1, 10*time.Second)
	m := messages(t, srv, 1)[0]
	if want := []string{"ops@example.com"}; !slices.Equal(m.To, want) || !slices.Equal(m.Env.To, want) {
		t.Errorf("To %v, envelope %v, want %v", m.To, m.Env.To, want)
	}
}
