package email

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// The text parts of every email, against testdata/golden/*.txt (refresh
// with go test ./email -run TestGolden -update).
func TestGoldenText(t *testing.T) {
	s := mustSender(t)
	to := []string{"ops@example.com"}
	exhausted := goldenDeadLetter(t, "dead-letter.json")
	gone := goldenDeadLetter(t, "dead-letter-hook-gone.json")
	breaker := withBreakerAndToken(exhausted)

	c := &hookState{HookID: 42, ClientID: 116078, Window: newWindow(7, exhausted.DeadAt, time.Hour)}
	for i, reason := range []string{schema.ReasonRetriesExhausted, schema.ReasonHookDisabled, schema.ReasonRetriesExhausted} {
		dl := exhausted
		if i == 0 {
			dl = breaker
		}
		dl.EventID += string(rune('a' + i))
		dl.Reason = reason
		dl.DeadAt = dl.DeadAt.Add(time.Duration(i) * time.Minute)
		c.Window.fold(dl, 2)
	}
	b := &accountState{ClientID: 116078, Batch: newFailedBatch(9, time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC), 2*time.Hour)}
	for i, table := range []string{"orders", "customers", "orders"} {
		b.Batch.add(schema.LoadFailure{EventID: string(rune('a' + i)), ClientID: 116078, DestinationID: 12345,
			EmittedAt:       time.Date(2026, 11, 27, 6, i, 0, 0, time.UTC),
			IntegrationName: "shopify", SourceRootTableName: table, Error: "permission denied for schema analytics"})
	}

	for name, build := range map[string]func() (*letter, error){
		"dead_letter":         func() (*letter, error) { return s.deadLetterLetter(exhausted, to, src, 5) },
		"dead_letter_breaker": func() (*letter, error) { return s.deadLetterLetter(breaker, to, src, 5) },
		"hook_gone":           func() (*letter, error) { return s.deadLetterLetter(gone, to, src, 5) },
		"digest":              func() (*letter, error) { return s.digestLetter(c, to, src) },
		"failed_loads":        func() (*letter, error) { return s.failedLoadsLetter(b, to, src) },
		"auto_disabled": func() (*letter, error) {
			since := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
			return s.autoDisabledLetter(schema.AutoDisableNotice{Hook: gone.Hook, AutoDisabled: schema.AutoDisabled{
				At: since.Add(120*time.Hour + 42*time.Second), FailingSince: since, FailedAttempts: 341,
				LastError: `Post "https://hooks.example.com/x?token=s3cret": dial tcp 203.0.113.7:443: connect: connection refused`}}, to, src, 11)
		},
	} {
		l, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", "golden", name+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(l.Text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if l.Text != string(want) {
			t.Errorf("%s text differs from %s:\n%s", name, path, l.Text)
		}
	}
}

func goldenDeadLetter(t *testing.T, name string) schema.DeadLetter {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "schema", "testdata", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := schema.DecodeDeadLetter(b)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

// withBreakerAndToken is dl with a hook URL that carries a token (user
// info, query, fragment), an error that quotes it, and its fourth attempt
// skipped by the open circuit breaker.
func withBreakerAndToken(dl schema.DeadLetter) schema.DeadLetter {
	const secretURL = "https://user:pa55@hooks.example.com/stitch?token=s3cr3t&x=1#frag"
	dl.Hook.URL = secretURL
	dl.Attempts = slices.Clone(dl.Attempts)
	dl.Attempts[0].Error = `Post "` + secretURL + `": context deadline exceeded`
	dl.Attempts[1].Error = `Post "https://user:***@hooks.example.com/stitch?token=s3cr3t&x=1": stopped after 10 redirects to http://other.example/x?sig=s3cr3t`
	dl.Attempts[3] = schema.Attempt{Number: 4, StartedAt: dl.Attempts[3].StartedAt, Error: "circuit breaker open: no request sent", Skipped: true}
	return dl
}

// No email shows the hook URL's user info, query or fragment, which often
// carry the receiver's token: not as the webhook URL, not inside an
// attempt's error, not in the HTML part, not in a digest.
func TestEmailsHideTheURLsToken(t *testing.T) {
	s := mustSender(t)
	to := []string{"ops@example.com"}
	dl := withBreakerAndToken(goldenDeadLetter(t, "dead-letter.json"))
	gone := dl
	gone.Reason = schema.ReasonHookGone
	c := &hookState{HookID: 42, ClientID: 116078, Window: newWindow(7, dl.DeadAt, time.Hour)}
	c.Window.fold(dl, 5)
	for name, build := range map[string]func() (*letter, error){
		"dead_letter": func() (*letter, error) { return s.deadLetterLetter(dl, to, src, 5) },
		"hook_gone":   func() (*letter, error) { return s.deadLetterLetter(gone, to, src, 5) },
		"digest":      func() (*letter, error) { return s.digestLetter(c, to, src) },
	} {
		l, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for part, text := range map[string]string{"text": l.Text, "html": l.HTML} {
			for _, secret := range []string{"s3cr3t", "pa55", "user:", "frag", "token="} {
				if strings.Contains(text, secret) {
					t.Errorf("%s %s part shows %q:\n%s", name, part, secret, text)
				}
			}
			if !strings.Contains(text, "https://hooks.example.com/stitch") {
				t.Errorf("%s %s part lacks the URL without its query:\n%s", name, part, text)
			}
		}
	}
}

// The dead-letter email and the digest tell requests sent from attempts the
// open breaker skipped, and mark the skipped attempt in the list.
func TestEmailsCountSkippedAttempts(t *testing.T) {
	s := mustSender(t)
	to := []string{"ops@example.com"}
	dl := withBreakerAndToken(goldenDeadLetter(t, "dead-letter.json"))
	c := &hookState{HookID: 42, ClientID: 116078, Window: newWindow(7, dl.DeadAt, time.Hour)}
	c.Window.fold(dl, 5)
	c.Window.fold(dl, 5)
	one, err := s.deadLetterLetter(dl, to, src, 5)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := s.digestLetter(c, to, src)
	if err != nil {
		t.Fatal(err)
	}
	const counted = "5 requests sent; 1 attempt skipped: the circuit breaker was open, no request was sent."
	for name, text := range map[string]string{"dead letter text": one.Text, "dead letter html": one.HTML, "digest text": digest.Text, "digest html": digest.HTML} {
		if !strings.Contains(text, counted) {
			t.Errorf("%s lacks %q:\n%s", name, counted, text)
		}
		if strings.Contains(text, "All 6 delivery attempts failed") {
			t.Errorf("%s counts the skipped attempt as a failed delivery:\n%s", name, text)
		}
		if !strings.Contains(text, "skipped: circuit breaker open, no request sent") {
			t.Errorf("%s does not mark the skipped attempt:\n%s", name, text)
		}
	}
	if want := "In all, 10 requests sent; 2 attempts skipped: the circuit breaker was open, no request was sent."; !strings.Contains(digest.Text, want) {
		t.Errorf("digest lacks %q:\n%s", want, digest.Text)
	}
}

// src is the partition the golden emails' records come from.
var src = partition{topic: "postload.dlq", id: 2}

// mustSender is a Sender that renders emails; it is never run.
func mustSender(t *testing.T) *Sender {
	t.Helper()
	s, err := New(Config{OutboxDir: t.TempDir(), Kafka: struct{ Kafka }{}, GroupID: "g",
		DeadLetterTopic: "dlq", FailedLoadsTopic: "failed", StateTopic: "state"},
		RecipientsFunc(func(int64) []schema.Recipient { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
