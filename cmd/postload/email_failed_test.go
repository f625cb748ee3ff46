package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/smtptest"
)

// The failed loads of one account, keyed by the loader so that they spread
// over the partitions of load-failed, which two email-role instances
// share: one email lists them all.
func TestFailedLoadsOfAnAccountMailedOnceAcrossInstances(t *testing.T) {
	cluster := kafkatest.NewCluster(t)
	smtp := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t)
	cfg.Brokers = []string{cluster.Addr}
	cfg.SMTPURL = "smtp://" + smtp.Addr()
	cfg.FailedWindow = 3 * time.Second
	tok := mustToken(t, cfg, 116078)
	a := mustServe(t, cfg)
	cfgB := testConfig(t)
	cfgB.Brokers, cfgB.SMTPURL, cfgB.FailedWindow = cfg.Brokers, cfg.SMTPURL, cfg.FailedWindow
	cfgB.Roles = roles{email: true}
	b := mustServe(t, cfgB)
	mustRecipient(t, a, tok, "ops@example.com")
	waitMetric(t, a, "postload_email_partitions", 2)
	waitMetric(t, b, "postload_email_partitions", 2)

	const loads = 6
	for i := range loads {
		v := fmt.Appendf(nil, `{"event_id":"f%d","client_id":116078,"destination_id":12345,"emitted_at":"2026-11-27T06:00:00Z","integration_name":"shopify","source_root_table_name":"table_%d","error":"permission denied"}`, i, i)
		mustProduce(t, a.brokers, "load-failed", fmt.Sprintf("loader-key-%d", i), v)
	}
	msgs := waitEmails(t, smtp, 1)
	p := smtptest.Parse(t, msgs[0].Data)
	if p.Subject != email.SubjectFailedLoads {
		t.Fatalf("subject %q", p.Subject)
	}
	for i := range loads {
		mustHave(t, p.Text, fmt.Sprintf("table_%d", i))
	}
	mustHave(t, p.Text, fmt.Sprintf("%d loads of the tables below failed", loads))
	if n := len(readAll(t, a.brokers, "load-failed")); n != loads {
		t.Fatalf("%d records on load-failed", n)
	}
	parts := map[int]bool{}
	for _, m := range readAll(t, a.brokers, "load-failed") {
		parts[m.Partition] = true
	}
	if len(parts) < 2 {
		t.Fatalf("the failed loads are all in partition %v; the test needs them spread", parts)
	}
}
