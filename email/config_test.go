package email_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     email.Config
		wantErr string // "" = valid
	}{
		{"outbox with defaults", email.Config{OutboxDir: "/tmp/outbox"}, ""},
		{"smtp", email.Config{SMTPURL: "smtp://user:pass@mail.example.com:587"}, ""},
		{"smtp without port", email.Config{SMTPURL: "smtp://localhost"}, ""},
		{"smtps", email.Config{SMTPURL: "smtps://mail.example.com"}, ""},
		{"from with name", email.Config{OutboxDir: "o", From: "Postload <p@example.com>"}, ""},
		{"nothing to send to", email.Config{}, "set SMTPURL to send emails, or OutboxDir"},
		{"bad from", email.Config{OutboxDir: "o", From: "not an address"}, "From \"not an address\" is not an email address"},
		{"bad scheme", email.Config{SMTPURL: "http://mail.example.com"}, `has scheme "http": use smtp://`},
		{"no host", email.Config{SMTPURL: "smtp://:25"}, "has no host"},
		{"bad port", email.Config{SMTPURL: "smtp://h:99999"}, `has port "99999"`},
		{"path", email.Config{SMTPURL: "smtp://h:25/x?tls=no"}, "remove them"},
		{"negative window", email.Config{OutboxDir: "o", DigestWindow: -time.Second}, "DigestWindow is -1s"},
		{"negative list", email.Config{OutboxDir: "o", DigestListMax: -1}, "DigestListMax is -1"},
		{"retry max below min", email.Config{OutboxDir: "o", RetryMin: time.Minute, RetryMax: time.Second}, "raise RetryMax"},
		{"no state topic", email.Config{OutboxDir: "o", StateTopic: "-"}, "StateTopic is empty"},
		{"same topic twice", email.Config{OutboxDir: "o", StateTopic: "dlq"}, "three different topics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := withKafka(tc.cfg).Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// Without a Kafka client there is no Sender; the brokers are the client's
// (consumer.ClientConfig).
func TestConfigWithoutKafka(t *testing.T) {
	cfg := withKafka(email.Config{OutboxDir: "o"})
	cfg.Kafka = nil
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "no Kafka") {
		t.Errorf("Validate: %v, want an error containing %q", err, "no Kafka")
	}
}

// noKafka is the Kafka of a config that is only validated.
type noKafka struct{ email.Kafka }

// The password never shows in an error.
func TestConfigErrorHidesPassword(t *testing.T) {
	err := email.Config{SMTPURL: "smtpx://user:hunter2@h"}.Validate()
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate: %v", err)
	}
}

// withKafka fills c's Kafka fields that the test leaves empty ("-" for
// none).
func withKafka(c email.Config) email.Config {
	if c.Kafka == nil {
		c.Kafka = noKafka{}
	}
	for _, f := range []struct {
		v   *string
		def string
	}{{&c.GroupID, "g"}, {&c.DeadLetterTopic, "dlq"}, {&c.FailedLoadsTopic, "failed"}, {&c.StateTopic, "state"}} {
		switch *f.v {
		case "":
			*f.v = f.def
		case "-":
			*f.v = ""
		}
	}
	return c
}

// Validate judges and creates nothing: the outbox is made by New.
func TestConfigValidateCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	if err := withKafka(email.Config{OutboxDir: dir}).Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Validate, %s: %v, want it not to exist", dir, err)
	}
}
