package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// TestAutoDisableThroughServe: a hook whose every attempt fails is
// disabled once its failing streak is --auto-disable-after old with
// --auto-disable-min-failures failures, its auto_disabled shown by the
// API, and the account's recipients get one email that says why.
func TestAutoDisableThroughServe(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusBadGateway })
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	cfg.AutoDisableAfter, cfg.AutoDisableMinFailures = time.Second, 3
	cfg.Breaker.MinRequests = 1_000_000 // every attempt reaches the receiver
	in, h, tok := startWithHook(t, cfg, rc)
	mustRecipient(t, in, tok, "ops@example.com")

	// Each event fails every attempt; the tracker decides when an attempt
	// arrives, so events keep coming until the hook is disabled.
	n := 0
	wait.For(t, 60*time.Second, func() (bool, string) {
		got := hookByID(t, in, tok, h.ID)
		if got.DisabledAt != nil {
			return true, ""
		}
		n++
		mustProduce(t, in.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("ev-auto-%d", n), 1, 2, prettyPayload))
		return false, fmt.Sprintf("hook still enabled after %d events", n)
	})
	got := hookByID(t, in, tok, h.ID)
	if got.AutoDisabled == nil || got.AutoDisabled.FailedAttempts < 3 || got.AutoDisabled.FailingSince.IsZero() {
		t.Fatalf("auto_disabled %+v, want the streak's start and at least 3 failed attempts", got.AutoDisabled)
	}
	var notices []smtptest.Parsed
	wait.For(t, 30*time.Second, func() (bool, string) {
		notices = notices[:0]
		for _, m := range smtp.Messages() {
			if p := smtptest.Parse(t, m.Data); p.Subject == email.SubjectAutoDisabled {
				notices = append(notices, p)
			}
		}
		return len(notices) >= 1, fmt.Sprintf("%d emails, none an auto-disable notice", len(smtp.Messages()))
	})
	if !strings.Contains(notices[0].Text, "HTTP 502") {
		t.Errorf("the notice does not say why:\n%s", notices[0].Text)
	}
	if len(notices) != 1 {
		t.Errorf("%d auto-disable notices, want 1", len(notices))
	}
}

// TestAutoDisableOff: --auto-disable-after 0 makes no tracker; a period
// does, where the delivery log is read, and the index feeds it.
func TestAutoDisableOff(t *testing.T) {
	cfg := testConfig(t)
	p := &parts{}
	for _, tt := range []struct {
		after time.Duration
		api   bool
		want  bool
	}{{0, true, false}, {time.Hour, true, true}, {time.Hour, false, false}} {
		cfg.AutoDisableAfter, cfg.Roles.api = tt.after, tt.api
		tr, err := newAutoDisable(cfg, p, zap.NewNop())
		if err != nil || (tr != nil) != tt.want {
			t.Errorf("--auto-disable-after %v, api role %v: tracker %v, error %v; want a tracker: %v", tt.after, tt.api, tr != nil, err, tt.want)
		}
	}
}

// hookByID is the account's hook id as GET /hooks shows it.
func hookByID(tb testing.TB, in *instance, tok string, id int64) schema.Hook {
	tb.Helper()
	status, body := call(tb, "GET", in.api+"/hooks", tok, nil)
	if status != 200 {
		tb.Fatalf("GET /hooks: %d %s", status, body)
	}
	var list struct {
		PostLoad []schema.Hook `json:"post_load"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		tb.Fatal(err)
	}
	for _, h := range list.PostLoad {
		if h.ID == id {
			return h
		}
	}
	tb.Fatalf("hook %d not listed", id)
	return schema.Hook{}
}
