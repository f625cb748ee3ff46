package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// With --brokers and no --allow-networks nothing internal is allowed: the
// API refuses literal internal hosts, and a hook whose name resolves inside
// (created when the policy allowed it, or rebinding) is refused at dial time.
func TestSSRFGuard(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.AllowNetworks = nil // as with --brokers: nothing allowed
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)

	for _, url := range []string{
		rc.URL, "https://127.0.0.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://10.1.2.3/",
		"https://169.254.169.254/latest/meta-data", "https://192.168.0.1/", "https://[fd00::1]/", "https://0.0.0.0/",
		"https://2130706433/", "https://localhost/", "https://224.0.0.1/",
		"https://user:secret@hooks.example.com/", // credentials would reach logs and metrics
	} {
		status, body := call(t, "POST", in.api+"/hooks", tok, map[string]any{"type": "post_load", "destination_id": 2, "config": map[string]any{"url": url}})
		if status != 400 || !strings.Contains(string(body), "Invalid URI") {
			t.Errorf("POST /hooks %s: %d %s, want 400 Invalid URI", url, status, body)
		}
	}

	// A hook record that names a host resolving to 127.0.0.1, as one made
	// before the policy changed would be: the dialer refuses it.
	port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
	now := time.Now().UTC().Truncate(time.Second)
	h := schema.Hook{ID: 9999, ClientID: 1, Type: "post_load", Version: 1, DestinationID: 2,
		Config: schema.HookConfig{URL: "https://localhost:" + port + "/"}, CreatedAt: now, ModifiedAt: now}
	b, _ := json.Marshal(h)
	mustProduce(t, in.brokers, "postload.hooks", "9999", b)
	wait.For(t, 10*time.Second, func() (bool, string) {
		status, body := call(t, "GET", in.api+"/hooks", tok, nil)
		return status == 200 && strings.Contains(string(body), "9999"), string(body)
	})
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e-ssrf", 1, 2, prettyPayload))
	var dls []schema.DeadLetter
	wait.For(t, 30*time.Second, func() (bool, string) {
		dls = deadLetters(t, in)
		return len(dls) == 1, fmt.Sprintf("%d dead letters", len(dls))
	})
	if n := rc.Count(); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests", n)
	}
	if e := dls[0].Attempts[0].Error; !strings.Contains(e, "blocked") || !strings.Contains(e, "loopback") {
		t.Errorf("attempt error %q, want the blocked address and class", e)
	}
}
