package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

func mustRecipient(tb testing.TB, in *instance, tok, addr string) schema.Recipient {
	tb.Helper()
	status, body := call(tb, "POST", in.api+"/custom-emails", tok, map[string]string{"email_address": addr})
	if status != 200 {
		tb.Fatalf("create recipient: %d %s", status, body)
	}
	var r schema.Recipient
	if err := json.Unmarshal(body, &r); err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestDeadLetterIsMailedToTheEnabledRecipients(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusBadGateway })
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	mustHook(t, in, tok, 2, rc.URL+"/catch")
	mustRecipient(t, in, tok, "ops@example.com")
	mustRecipient(t, in, tok, "data@example.com")
	paused := mustRecipient(t, in, tok, "paused@example.com")
	if status, body := call(t, "PUT", fmt.Sprintf("%s/custom-emails/%d", in.api, paused.ID), tok, map[string]string{"disabled_at": "2019-06-01T00:00:00Z"}); status != 200 {
		t.Fatalf("pause recipient: %d %s", status, body)
	}
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-mail-1", 1, 2, prettyPayload))

	wait.For(t, 30*time.Second, func() (bool, string) {
		return len(smtp.Messages()) == 1, fmt.Sprintf("%d emails", len(smtp.Messages()))
	})
	msg := smtp.Messages()[0]
	to := slices.Sorted(slices.Values(msg.To))
	if !slices.Equal(to, []string{"data@example.com", "ops@example.com"}) {
		t.Errorf("envelope recipients %v, want exactly the two enabled ones", to)
	}
	p := smtptest.Parse(t, msg.Data)
	if p.Subject != email.SubjectUndeliverable {
		t.Errorf("subject %q", p.Subject)
	}
	for _, want := range []string{rc.URL + "/catch", "HTTP 502", "ev-mail-1", "shopify <eu> & co"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.Text)
		}
	}
	if p.HTML == "" {
		t.Error("no HTML part")
	}
}

func TestGoneIsMailedOnce(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusGone })
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	in, h, tok := startWithHook(t, cfg, rc)
	mustRecipient(t, in, tok, "ops@example.com")
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-gone", 1, 2, prettyPayload))

	wait.For(t, 30*time.Second, func() (bool, string) {
		return len(smtp.Messages()) == 1, fmt.Sprintf("%d emails", len(smtp.Messages()))
	})
	p := smtptest.Parse(t, smtp.Messages()[0].Data)
	if p.Subject != email.SubjectHookGone || !strings.Contains(p.Text, fmt.Sprintf("/hooks/%d", h.ID)) {
		t.Errorf("email %q:\n%s", p.Subject, p.Text)
	}
}

func TestFailedLoadsAreMailedAsOneEmailPerAccount(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	cfg.FailedWindow = 500 * time.Millisecond
	tok := mustToken(t, cfg, 116078)
	in := mustServe(t, cfg)
	mustRecipient(t, in, tok, "ops@example.com")
	for i, table := range []string{"orders", "customers", "refunds"} {
		v := fmt.Appendf(nil, `{"event_id":"f%d","client_id":116078,"destination_id":12345,"emitted_at":"2026-11-27T06:00:00Z","integration_name":"shopify","source_root_table_name":%q,"error":"permission denied for schema analytics"}`, i, table)
		mustProduce(t, in.brokers, "load-failed", "k", v)
	}
	wait.For(t, 30*time.Second, func() (bool, string) { return len(smtp.Messages()) >= 1, "no email yet" })
	waitCommitted(t, in, "postload.email-failed", "load-failed")
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d emails, want one listing every table", n)
	}
	p := smtptest.Parse(t, smtp.Messages()[0].Data)
	if p.Subject != email.SubjectFailedLoads {
		t.Errorf("subject %q", p.Subject)
	}
	for _, want := range []string{"orders", "customers", "refunds", "permission denied for schema analytics"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.Text)
		}
	}
}

// As a newcomer would: embedded defaults, no SMTP server, a hook to a URL
// that fails: once the retries run out, the email is in the outbox.
func TestWithoutSMTPEmailsLandInTheOutbox(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	cfg := testConfig(t)
	in, _, tok := startWithHook(t, cfg, rc)
	mustRecipient(t, in, tok, "ops@example.com")
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-outbox", 1, 2, prettyPayload))

	outbox := filepath.Join(cfg.DataDir, "outbox")
	var files []string
	wait.For(t, 30*time.Second, func() (bool, string) {
		files, _ = filepath.Glob(filepath.Join(outbox, "[0-9]*.eml")) // not a file being written
		return len(files) == 1, fmt.Sprintf("%d .eml files in %s", len(files), outbox)
	})
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	p := smtptest.Parse(t, b)
	if p.Subject != email.SubjectUndeliverable || !strings.Contains(p.Text, "ev-outbox") || !strings.Contains(p.Text, "HTTP 500") {
		t.Errorf("outbox email %q:\n%s", p.Subject, p.Text)
	}
}
