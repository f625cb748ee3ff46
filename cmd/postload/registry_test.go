package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// TestHookURLsOutOfNormalFormAreDelivered: a hook created with the scheme
// in upper case, through the API or by an earlier version's record, is
// listed and delivered to, and `registry check` names the earlier record.
func TestHookURLsOutOfNormalFormAreDelivered(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	upper := "HTTPS://" + strings.TrimPrefix(rc.URL, "https://")

	viaAPI := mustHook(t, in, tok, 2, upper+"/api")
	if want := rc.URL + "/api"; viaAPI.Config.URL != want {
		t.Errorf("config.url = %q, want %q", viaAPI.Config.URL, want)
	}
	// A record as an earlier version wrote it: the URL as the customer typed it.
	at := time.Now().UTC().Truncate(time.Second)
	old := schema.Hook{ID: 1000, ClientID: 1, Type: schema.HookTypePostLoad, Version: 1, DestinationID: 2,
		Config: schema.HookConfig{URL: upper + "/old"}, CreatedAt: at, ModifiedAt: at}
	mustProduceMessages(t, in.brokers, "postload.hooks", kafka.Message{Key: []byte("1000"), Value: mustMarshal(t, old)})
	wait.For(t, 10*time.Second, func() (bool, string) {
		status, body := call(t, "GET", in.api+"/hooks", tok, nil)
		return status == 200 && strings.Contains(string(body), `"id":1000`), fmt.Sprintf("GET /hooks: %d %s", status, body)
	})

	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e-upper", 1, 2, prettyPayload))
	wait.For(t, 20*time.Second, func() (bool, string) {
		got := rc.Delivered()
		return got["e-upper."+strconv.FormatInt(viaAPI.ID, 10)] && got["e-upper.1000"], fmt.Sprintf("delivered %v", got)
	})

	out := cli(t, "registry", "check", "--brokers", strings.Join(in.brokers, ","), "--allow-networks", "127.0.0.0/8")
	for _, want := range []string{"hooks 2, recipients 0", "0 skipped, 1 url_normalized, 0 url_refused", "postload.hooks offset 1 id 1000 url_normalized"} {
		if !strings.Contains(out, want) {
			t.Errorf("registry check output lacks %q:\n%s", want, out)
		}
	}
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
