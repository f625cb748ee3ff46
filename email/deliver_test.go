package email_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// Dead letters of distinct hooks each get an email at once, to exactly the
// enabled recipients the registry gives for the hook's account, with a
// Message-ID derived from the dead letter's place in postload.dlq.
func TestDeadLettersOfDistinctHooksMailedAtOnce(t *testing.T) {
	e := newEnv(t)
	byClient := map[int64][]string{
		116078: {"ops@example.com", "data@example.com"},
		200:    {"alerts@other.example"},
	}
	s := startOwning(t, e.config(t), recipientsOf(byClient))

	hooks := []schema.HookRef{hookRef(8, 116078), hookRef(9, 116078), hookRef(10, 200)}
	for i, h := range hooks {
		e.produceDeadLetter(t, fmt.Sprintf("evt-%c", 'a'+i), h, schema.ReasonRetriesExhausted)
	}
	msgs := messages(t, e.srv, len(hooks))
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if len(msgs) != len(hooks) {
		t.Fatalf("got %d emails, want %d", len(msgs), len(hooks))
	}
	ids := map[string]bool{}
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
		id := m.Header.Get("Message-Id")
		if re := regexp.MustCompile(fmt.Sprintf(`^<dead_letter\.%d\.[01]\.\d+\.postload\.dlq@example\.com>$`, h.ID)); !re.MatchString(id) {
			t.Errorf("hook %d: Message-ID %q, want <dead_letter.<hook>.<partition>.<offset>.postload.dlq@example.com>", h.ID, id)
		}
		ids[id] = true
		for _, part := range []string{m.Text, m.HTML} {
			mustContain(t, part, h.URL, fmt.Sprintf("evt-%c", 'a'+i), "shopify", "orders",
				"status 503", "HTTP 503", "connect: connection refused", "context deadline exceeded",
				"2026-11-27 06:00:01 UTC", "3 requests sent")
		}
	}
	if len(ids) != len(hooks) {
		t.Errorf("Message-IDs %v are not distinct", ids)
	}
	if st := s.Stats(); st.Sent != 3 || st.Folded != 0 || st.SkippedNoRecipient != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A hook_gone dead letter gets the hook-disabled email; the hook's later
// dead letters in the window (hook_disabled ones, another 410) are only
// counted in its digest.
func TestHookGoneMailedOnceThenFolded(t *testing.T) {
	e := newEnv(t)
	s := startOwning(t, e.config(t), recipientsOf(map[int64][]string{7: {"ops@example.com"}}))
	h := hookRef(42, 7)

	e.produceDeadLetter(t, "gone-1", h, schema.ReasonHookGone)
	gone := messages(t, e.srv, 1)[0]
	if gone.Subject != email.SubjectHookGone {
		t.Fatalf("subject %q, want %q", gone.Subject, email.SubjectHookGone)
	}
	for _, part := range []string{gone.Text, gone.HTML} {
		mustContain(t, part, h.URL, "gone-1", "410", "disabled", "PUT /notifications/public/v1/api/hooks/42")
	}
	mustContain(t, gone.Text, `{"enable": true}`)

	e.produceDeadLetter(t, "gone-2", h, schema.ReasonHookGone)
	e.produceDeadLetter(t, "pending-1", h, schema.ReasonHookDisabled)
	e.produceDeadLetter(t, "pending-2", h, schema.ReasonHookDisabled)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Folded == 3 })
	e.clock.Advance(time.Minute)
	msgs := messages(t, e.srv, 2)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Pending == 0 })
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

// An account without enabled recipients gets nothing: its dead letters and
// failed loads are committed and counted as skipped.
func TestNoRecipientSkipsAndCounts(t *testing.T) {
	e := newEnv(t)
	s := startOwning(t, e.config(t), recipientsOf(nil))
	e.produceDeadLetter(t, "e1", hookRef(1, 99), schema.ReasonRetriesExhausted)
	e.forwardFailure(t, email.Source{Topic: "load-failed", Partition: 0, Offset: 0}, loadFailure(t, "f1", 99, "orders", "boom"))
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.SkippedNoRecipient == 2 })
	e.waitCommitted(t, dlqTopic)
	e.waitCommitted(t, failedTopic)
	e.clock.Advance(time.Hour)
	if st := s.Stats(); st.Sent != 0 || st.Pending != 0 {
		t.Errorf("stats %+v, want nothing sent or owed", st)
	}
	if n := e.srv.Conns(); n != 0 {
		t.Errorf("%d SMTP sessions, want none", n)
	}
}

// Whatever the registry returns, a disabled or deleted recipient, an
// address that does not parse and a repeated address get nothing extra.
func TestRecipientsFilteredDefensively(t *testing.T) {
	e := newEnv(t)
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
	startOwning(t, e.config(t), r)
	e.produceDeadLetter(t, "r-1", hookRef(1, 1), schema.ReasonRetriesExhausted)
	m := messages(t, e.srv, 1)[0]
	if want := []string{"ops@example.com"}; !slices.Equal(m.To, want) || !slices.Equal(m.Env.To, want) {
		t.Errorf("To %v, envelope %v, want %v", m.To, m.Env.To, want)
	}
}

// A record that does not decode is handed to Config.Invalid with where it
// came from, and committed.
func TestInvalidRecordsHandedOn(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(t)
	got := make(chan email.Source, 1)
	cfg.Invalid = func(_ context.Context, src email.Source, key, value []byte, err error) error {
		if !errors.Is(err, email.ErrInvalid) || !errors.Is(err, schema.ErrInvalid) || string(value) != `{"event_id": 1}` {
			t.Errorf("Invalid(%v, %q, %v)", src, value, err)
		}
		got <- src
		return nil
	}
	startOwning(t, cfg, recipientsOf(nil))
	e.produce(t, dlqTopic, "1", []byte(`{"event_id": 1}`))
	select {
	case src := <-got:
		if src.Topic != dlqTopic {
			t.Errorf("source %+v", src)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Invalid was not called")
	}
	e.waitCommitted(t, dlqTopic)
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
