package email_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// An auto-disable notice sent by two instances, and again later (after a
// restart), gives the account's enabled recipients one email that says
// why, since when and how to come back; a notice of a later streak of the
// same hook gives a second one.
func TestAutoDisableNoticeMailedOncePerStreak(t *testing.T) {
	e := newEnv(t)
	to := []string{"ops@example.com"}
	s := startOwning(t, e.config(t), recipientsOf(map[int64][]string{116078: to}))
	since := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	ref := hookRef(42, 116078)
	ref.URL += "?token=s3cret"
	n := schema.AutoDisableNotice{Hook: ref, AutoDisabled: schema.AutoDisabled{
		At: since.Add(5*24*time.Hour + 3*time.Minute), FailingSince: since, FailedAttempts: 341,
		LastError: "dial tcp 203.0.113.7:443: connect: connection refused"}}
	publish := func(n schema.AutoDisableNotice) {
		key, rec, err := email.Notice(n)
		if err != nil {
			t.Fatal(err)
		}
		e.produce(t, failedTopic, string(key), rec)
	}
	publish(n)
	second := n
	second.AutoDisabled.At = n.AutoDisabled.At.Add(time.Second) // the other instance's
	publish(second)
	publish(n) // after a restart
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Refolded == 2 })
	msgs := messages(t, e.srv, 1)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if len(msgs) != 1 {
		t.Fatalf("got %d emails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != email.SubjectAutoDisabled || !slices.Equal(m.To, to) {
		t.Errorf("subject %q to %v", m.Subject, m.To)
	}
	for _, part := range []string{m.Text, m.HTML} {
		mustContain(t, part, "hook 42", "https://hooks.example.com", "2026-11-22 06:00:00 UTC", "2026-11-27 06:03:00 UTC",
			"over 5 days", "341 failed attempts", "connection refused", "/notifications/public/v1/api/hooks/42",
			"/notifications/public/v1/api/hooks/42/dead-letters/replay", "2026-11-22T06:00:00Z", "dry_run")
	}
	mustContain(t, m.Text, "PUT /notifications/public/v1/api/hooks/42", `{"enable": true}`,
		`{"since": "2026-11-22T06:00:00Z", "dry_run": true}`, `{"since": "2026-11-22T06:00:00Z"}`)
	if strings.Contains(m.Text+m.HTML, "s3cret") {
		t.Error("the email shows the hook URL's query")
	}

	later := n
	later.AutoDisabled.FailingSince = since.Add(30 * 24 * time.Hour)
	publish(later)
	if got := messages(t, e.srv, 2); len(got) != 2 {
		t.Fatalf("got %d emails, want 2", len(got))
	}
}

// Notice keys a notice by its account and refuses one without a hook.
func TestNotice(t *testing.T) {
	key, _, err := email.Notice(schema.AutoDisableNotice{Hook: hookRef(1, 42), AutoDisabled: schema.AutoDisabled{FailingSince: time.Now()}})
	if err != nil || string(key) != "42" {
		t.Errorf("Notice: key %q, %v", key, err)
	}
	if _, _, err := email.Notice(schema.AutoDisableNotice{}); err == nil {
		t.Error("Notice of nothing: no error")
	}
}
