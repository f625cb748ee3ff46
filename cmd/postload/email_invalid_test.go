package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// Records of the email role's topics that do not decode (a failed load, a
// dead letter) go to the invalid topic with their bytes and source, are
// counted, and do not hold up the records behind them.
func TestEmailInvalidRecordsGoToInvalidAndTheNextIsMailed(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.Partitions = 1
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	cfg.FailedWindow = 500 * time.Millisecond
	tok := mustToken(t, cfg, 116078)
	in := mustServe(t, cfg)
	mustRecipient(t, in, tok, "ops@example.com")

	badLoad, badLetter := []byte(`{"event_id": "f0"`), []byte(`{"event": 1}`)
	mustProduce(t, in.brokers, "postload.dlq", "116078", badLetter)
	mustProduce(t, in.brokers, "load-failed", "k", badLoad,
		[]byte(`{"event_id":"f1","client_id":116078,"destination_id":12345,"emitted_at":"2026-11-27T06:00:00Z","integration_name":"shopify","source_root_table_name":"orders","error":"permission denied"}`))

	wait.For(t, 30*time.Second, func() (bool, string) {
		return len(smtp.Messages()) == 1, fmt.Sprintf("%d emails", len(smtp.Messages()))
	})
	var recs []schema.Invalid
	wait.For(t, 20*time.Second, func() (bool, string) {
		recs = invalidRecords(t, in)
		return len(recs) == 2, fmt.Sprintf("%d invalid records", len(recs))
	})
	got := map[string]schema.Invalid{}
	for _, r := range recs {
		got[r.Topic] = r
	}
	for topic, want := range map[string][]byte{"load-failed": badLoad, "postload.dlq": badLetter} {
		r := got[topic]
		if !bytes.Equal(r.Value, want) || r.Offset != 0 || r.Reason == "" {
			t.Errorf("invalid record of %s: %+v, want its bytes %q, offset 0 and a reason", topic, r, want)
		}
		if n := scrape(t, in, "postload_invalid_messages_total", map[string]string{"topic": topic}); n != 1 {
			t.Errorf("postload_invalid_messages_total{topic=%q} = %v, want 1", topic, n)
		}
	}
}
