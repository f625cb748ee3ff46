package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/postload/postload/internal/webhooktest"
)

// TestSendTestThroughServe: serve answers POST /hooks/{id}/test with one
// signed, marked webhook to the hook's receiver, through the SSRF guard
// and the CA file of real deliveries; another account's hook is 404.
func TestSendTestThroughServe(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok, other := mustToken(t, cfg, 1), mustToken(t, cfg, 2)
	in := mustServe(t, cfg)
	h := mustHook(t, in, tok, 2, rc.URL)
	path := in.api + "/hooks/" + strconv.FormatInt(h.ID, 10) + "/test"
	if status, _ := call(t, "POST", path, other, nil); status != 404 {
		t.Fatalf("another account's test: %d, want 404", status)
	}
	status, body := call(t, "POST", path, tok, nil)
	if status != 200 {
		t.Fatalf("test: %d %s", status, body)
	}
	var got struct {
		EventID string `json:"event_id"`
		Outcome string `json:"outcome"`
		Status  int    `json:"status"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Outcome != "delivered" || got.Status != 200 || !strings.HasPrefix(got.EventID, "test_") {
		t.Errorf("answer %s: want delivered, 200, a test_ event id", body)
	}
	reqs := rc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	wh, err := standardwebhooks.NewWebhook(h.Config.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(reqs[0].Body, reqs[0].Header); err != nil || reqs[0].Header.Get("Webhook-Test") != "true" {
		t.Errorf("request %v: signature %v; want verified, Webhook-Test: true", reqs[0].Header, err)
	}
}
