package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// tablesPayload is a valid payload of n tables, about 210 bytes each, as a
// load de-nesting many arrays into subtables makes.
func tablesPayload(n int) string {
	var b strings.Builder
	b.WriteString(`{"version":"1.0","minimum_sdc_batched_at":"2019-07-15T14:45:08.026Z","integration_name":"shopify","new_version":false,` +
		`"source_root_table_name":"orders","destination_root_table_name":"orders","table_version":0,"tables":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"source_table_name":"t%05d","destination_table_name":"t%05d","num_rows":%d,"num_rows_rejected":0,`+
			`"bookmark_metadata":[{"key":"id","min_value":1,"max_value":%d}],"max_time_extracted":"2019-07-15T14:43:09Z"}`, i, i, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// mustProduceSized publishes values with a writer that takes them whatever
// their size (up to the topic's limit).
func mustProduceSized(tb testing.TB, brokers []string, topic, key string, values ...[]byte) {
	tb.Helper()
	largest := 0
	for _, v := range values {
		largest = max(largest, len(v))
	}
	w := consumer.NewSizedWriter(brokers, largest, zaptest.NewLogger(tb))
	defer w.Close()
	for _, v := range values {
		if err := w.Publish(context.Background(), topic, []byte(key), v); err != nil {
			tb.Fatalf("producing %d bytes: %v", len(v), err)
		}
	}
}

// An event of 2.1 MB (10,000 tables, valid by the schema) goes through
// end to end under the default limit: delivered byte for byte to a TLS
// receiver on its retry (so through a retry record), kept whole in the
// dead letter of a hook that always fails, and delivered byte for byte
// when that dead letter is replayed.
func TestA2MBEventOf10000TablesGoesThroughEndToEnd(t *testing.T) {
	payload := tablesPayload(10000)
	event := loadEvent("e-big", 1, 2, payload)
	if n := len(event); n < 2_100_000 || n > 2_200_000 {
		t.Fatalf("the event is %d bytes, want 2.1 MB", n)
	}
	ok, dead := webhooktest.NewReceiver(t), webhooktest.NewReceiver(t)
	ok.Answer(func(n int, _ *http.Request) int {
		if n == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	var up atomic.Bool
	dead.Answer(func(int, *http.Request) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	cfg := testConfig(t) // the default --max-event-bytes
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), ok, dead)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	mustHook(t, in, tok, 2, ok.URL)
	deadHook := mustHook(t, in, tok, 2, dead.URL)
	mustProduceSized(t, in.brokers, "load-completed", "k", event)

	var dls []schema.DeadLetter
	wait.For(t, 60*time.Second, func() (bool, string) {
		dls = deadLetters(t, in)
		return ok.Count() >= 2 && len(dls) == 1, fmt.Sprintf("%d requests to the good hook, %d to the failing one, %d dead letters", ok.Count(), dead.Count(), len(dls))
	})
	for i, r := range ok.Requests() {
		if !bytes.Equal(r.Body, []byte(payload)) {
			t.Errorf("request %d to the good hook: a body of %d bytes, not the payload's %d bytes as they arrived", i, len(r.Body), len(payload))
		}
	}
	if dls[0].Hook.ID != deadHook.ID || dls[0].Event != string(event) || len(dls[0].Attempts) != 6 {
		t.Errorf("dead letter of hook %d with %d attempts; event kept whole: %v", dls[0].Hook.ID, len(dls[0].Attempts), dls[0].Event == string(event))
	}
	if inv := invalidRecords(t, in); len(inv) != 0 {
		t.Errorf("%d invalid records: %q", len(inv), inv[0].Reason)
	}

	// Replayed, the dead letter reaches the hook byte for byte too.
	up.Store(true)
	out := cli(t, "dlq", "replay", "--brokers", strings.Join(in.brokers, ","), "--hook", strconv.FormatInt(deadHook.ID, 10), "--json")
	if !strings.Contains(out, `"replayed":1`) {
		t.Fatalf("replay: %s", out)
	}
	wait.For(t, 30*time.Second, func() (bool, string) { return len(dead.Delivered()) == 1, fmt.Sprintf("%d requests", dead.Count()) })
	if reqs := dead.Requests(); !bytes.Equal(reqs[len(reqs)-1].Body, []byte(payload)) {
		t.Errorf("the replayed request's body is %d bytes, not the payload's %d as they arrived", len(reqs[len(reqs)-1].Body), len(payload))
	}
}

// An event over --max-event-bytes lands on postload.invalid with its
// original bytes; one too large for an invalid record to hold whole keeps
// its first bytes and says so; the partition goes on with the next event.
func TestAnEventOverTheLimitLandsOnInvalidWithItsBytes(t *testing.T) {
	const maxEvent = 64 << 10
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.Partitions = 1
	cfg.MaxEventBytes = maxEvent
	in, _, _ := startWithHook(t, cfg, rc)
	over := loadEvent("over", 1, 2, tablesPayload(400))  // about 84 KB
	huge := loadEvent("huge", 1, 2, tablesPayload(3400)) // about 700 KB: base64 does not fit a record
	if len(over) <= maxEvent || len(huge)*4/3 < dispatcher.RecordBytes(maxEvent) {
		t.Fatalf("events of %d and %d bytes do not test the limit", len(over), len(huge))
	}
	mustProduceSized(t, in.brokers, "load-completed", "k", over, huge, loadEvent("after", 1, 2, prettyPayload))

	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 1, fmt.Sprintf("%d requests", rc.Count()) })
	var recs []schema.Invalid
	wait.For(t, 10*time.Second, func() (bool, string) {
		recs = invalidRecords(t, in)
		return len(recs) == 2, fmt.Sprintf("%d invalid records", len(recs))
	})
	limit := fmt.Sprintf("larger than the %d-byte limit", maxEvent)
	if r := recs[0]; !bytes.Equal(r.Value, over) || r.ValueBytes != len(over) || !strings.Contains(r.Reason, limit) || strings.Contains(r.Reason, "truncated") {
		t.Errorf("invalid record of the event over the limit: reason %q, %d of %d bytes (value_bytes %d)", r.Reason, len(r.Value), len(over), r.ValueBytes)
	}
	r := recs[1]
	cut := fmt.Sprintf("value truncated to its first %d of %d bytes", len(r.Value), len(huge))
	if !bytes.HasPrefix(huge, r.Value) || len(r.Value) == 0 || r.ValueBytes != len(huge) || !strings.Contains(r.Reason, limit) || !strings.Contains(r.Reason, cut) {
		t.Errorf("invalid record of the huge event: reason %q, %d of %d bytes (value_bytes %d)", r.Reason, len(r.Value), len(huge), r.ValueBytes)
	}
}
