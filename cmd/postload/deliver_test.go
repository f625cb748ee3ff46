package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// A payload as a loader might write it: indented, with characters that a
// re-encoder would escape. It must reach receivers byte for byte.
const prettyPayload = `{
    "version": "1.0",
    "minimum_sdc_batched_at": "2019-07-15T14:45:08.026Z",
    "integration_name": "shopify <eu> & co",
    "new_version": false,
    "source_root_table_name": "orders",
    "destination_root_table_name": "orders",
    "table_version": 0,
    "tables": [ {"source_table_name": "orders", "destination_table_name": "orders",
      "num_rows": 100, "num_rows_rejected": 11, "s3_objects": ["b/orders/0.jsonl"],
      "bookmark_metadata": [{"key": "updated_at", "min_value": "2018-12-31T00:00:00Z", "max_value": "2018-12-31T00:00:00Z"}],
      "max_time_extracted": "2019-07-15T14:43:09.030Z", "note": "caf\u00e9 ☕"} ]
}`

func loadEvent(eventID string, client, dest int64, payload string) []byte {
	return fmt.Appendf(nil, `{"event_id":%q,"client_id":%d,"destination_id":%d,"emitted_at":"2026-11-27T06:00:00.123456Z","payload":%s}`, eventID, client, dest, payload)
}

func TestEventReachesEveryEnabledHookOfItsDestination(t *testing.T) {
	a, b := webhooktest.NewReceiver(t), webhooktest.NewReceiver(t)
	disabled, otherDest, otherAccount := webhooktest.NewReceiver(t), webhooktest.NewReceiver(t), webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), a, b, disabled, otherDest, otherAccount)
	tok := mustToken(t, cfg, 116078)
	tokOther := mustToken(t, cfg, 222)
	in := mustServe(t, cfg)

	ha := mustHook(t, in, tok, 12345, a.URL+"/a")
	hb := mustHook(t, in, tok, 12345, b.URL+"/b")
	hd := mustHook(t, in, tok, 12345, disabled.URL)
	if status, body := call(t, "PUT", in.api+"/hooks/"+strconv.FormatInt(hd.ID, 10), tok, map[string]bool{"enable": false}); status != 200 {
		t.Fatalf("disable: %d %s", status, body)
	}
	mustHook(t, in, tok, 999, otherDest.URL)
	mustHook(t, in, tokOther, 12345, otherAccount.URL)

	value := loadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, prettyPayload)
	mustProduce(t, in.brokers, "load-completed", "116078/shopify/orders", value)
	waitCommitted(t, in, "postload", "load-completed")

	for _, tc := range []struct {
		rc   *webhooktest.Receiver
		hook schema.Hook
		path string
	}{{a, ha, "/a"}, {b, hb, "/b"}} {
		reqs := tc.rc.Requests()
		if len(reqs) != 1 {
			t.Fatalf("hook %d got %d requests, want 1", tc.hook.ID, len(reqs))
		}
		r := reqs[0]
		if r.Method != "POST" || r.Path != tc.path {
			t.Errorf("request %s %s, want POST %s", r.Method, r.Path, tc.path)
		}
		if !bytes.Equal(r.Body, []byte(prettyPayload)) {
			t.Errorf("body differs from the payload as produced:\n got %q\nwant %q", r.Body, prettyPayload)
		}
		for k, want := range map[string]string{
			"Content-Type": "application/json",
			"User-Agent":   "StitchLoadingWebhook",
			"Webhook-Id":   "01JD3S1Z8Q5Q7W5E4Y9K2M3N4P." + strconv.FormatInt(tc.hook.ID, 10),
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		ts, err := strconv.ParseInt(r.Header.Get("Webhook-Timestamp"), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
			t.Errorf("webhook-timestamp %q is not the attempt's unix time", r.Header.Get("Webhook-Timestamp"))
		}
		wh, err := standardwebhooks.NewWebhook(tc.hook.Config.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(r.Body, r.Header); err != nil {
			t.Errorf("signature does not verify with the Standard Webhooks library: %v (header %q)", err, r.Header.Get("Webhook-Signature"))
		}
	}
	for name, rc := range map[string]*webhooktest.Receiver{"disabled hook": disabled, "other destination": otherDest, "other account": otherAccount} {
		if n := rc.Count(); n != 0 {
			t.Errorf("%s got %d requests, want none", name, n)
		}
	}
}

func TestRejectedLoadsAreDeliveredToo(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	in, _, _ := startWithHook(t, testConfig(t), rc)
	value := schema.SampleLoadEvent("rejected-1", 1, 2, true, time.Now())
	mustProduce(t, in.brokers, "load-rejected", "1/x/y", value)
	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 1, fmt.Sprintf("%d requests", rc.Count()) })
}

func TestMalformedMessagesGoToInvalidAndTheNextEventIsDelivered(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.Partitions = 1
	in, _, _ := startWithHook(t, cfg, rc)

	notJSON := []byte(`{"event_id": "x", "client_id": 1`)
	badSchema := loadEvent("e-bad", -5, 2, `{"version":"1.0"}`)
	good := loadEvent("e-good", 1, 2, prettyPayload)
	mustProduce(t, in.brokers, "load-completed", "k", notJSON, badSchema, good)

	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 1, fmt.Sprintf("%d requests", rc.Count()) })
	if got := rc.Requests()[0].Header.Get("Webhook-Id"); got[:6] != "e-good" {
		t.Fatalf("delivered %q, want the good event", got)
	}
	var invalid []schema.Invalid
	wait.For(t, 10*time.Second, func() (bool, string) {
		invalid = invalidRecords(t, in)
		return len(invalid) == 2, fmt.Sprintf("%d invalid records", len(invalid))
	})
	for i, want := range [][]byte{notJSON, badSchema} {
		rec := invalid[i]
		if !bytes.Equal(rec.Value, want) || rec.Topic != "load-completed" || rec.Partition != 0 || rec.Offset != int64(i) || rec.Reason == "" {
			t.Errorf("invalid record %d = %+v, want the original bytes, source load-completed/0/%d and a reason", i, rec, i)
		}
	}
	t.Logf("reasons: %q, %q", invalid[0].Reason, invalid[1].Reason)
}

func TestAFailedFirstAttemptIsHandedToRetryTier(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(n int, _ *http.Request) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	in, h, _ := startWithHook(t, testConfig(t), rc)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))

	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 3, fmt.Sprintf("%d requests", rc.Count()) })
	want := "e1." + strconv.FormatInt(h.ID, 10)
	for i, r := range rc.Requests() {
		if got := r.Header.Get("Webhook-Id"); got != want {
			t.Errorf("attempt %d webhook-id %q, want %q", i+1, got, want)
		}
	}
}
