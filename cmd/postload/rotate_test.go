package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

func rotate(tb testing.TB, in *instance, tok string, id int64) schema.Hook {
	tb.Helper()
	status, body := call(tb, "POST", in.api+"/hooks/"+strconv.FormatInt(id, 10)+"/rotate-secret", tok, nil)
	if status != 200 {
		tb.Fatalf("rotate: %d %s", status, body)
	}
	var h schema.Hook
	if err := json.Unmarshal(body, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestRotationSignsWithBothSecretsDuringTheOverlap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		overlap time.Duration
		sigs    int
	}{{"during the overlap", time.Hour, 2}, {"after the overlap", time.Millisecond, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			rc := webhooktest.NewReceiver(t)
			cfg := testConfig(t)
			cfg.RotationOverlap = tc.overlap
			cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
			tok := mustToken(t, cfg, 1)
			other := mustToken(t, cfg, 2)
			in := mustServe(t, cfg)
			old := mustHook(t, in, tok, 2, rc.URL)
			if status, _ := call(t, "POST", in.api+"/hooks/"+strconv.FormatInt(old.ID, 10)+"/rotate-secret", other, nil); status != 404 {
				t.Fatalf("another account rotated the hook: %d", status)
			}
			rotated := rotate(t, in, tok, old.ID)
			if rotated.Config.Secret == old.Config.Secret || rotated.Config.PreviousSecret != old.Config.Secret {
				t.Fatalf("rotated config %+v", rotated.Config)
			}
			mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e-rot", 1, 2, prettyPayload))
			wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 1, fmt.Sprintf("%d requests", rc.Count()) })
			r := rc.Requests()[0]
			if n := len(strings.Fields(r.Header.Get("Webhook-Signature"))); n != tc.sigs {
				t.Fatalf("%d signatures %q, want %d", n, r.Header.Get("Webhook-Signature"), tc.sigs)
			}
			secrets := []string{rotated.Config.Secret}
			if tc.sigs == 2 {
				secrets = append(secrets, old.Config.Secret)
			}
			for _, secret := range secrets {
				wh, err := standardwebhooks.NewWebhook(secret)
				if err != nil {
					t.Fatal(err)
				}
				if err := wh.Verify(r.Body, r.Header); err != nil {
					t.Errorf("does not verify with %s secret: %v", map[bool]string{true: "the new", false: "the old"}[secret == rotated.Config.Secret], err)
				}
			}
		})
	}
}
