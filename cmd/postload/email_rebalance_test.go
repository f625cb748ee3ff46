package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/internal/smtptest"
)

// Two email-role processes in one group: the second joins while windows
// are open (half of the partitions move to it), the windows close while
// both run, then the first stops and the second takes the rest over.
// Every email goes out exactly once.
func TestEmailWindowsMoveBetweenInstances(t *testing.T) {
	w := newWorld(t, 1)
	w.rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	smtp := smtptest.Start(t, smtptest.Options{})
	const clients = 4 // their dead letters spread over both partitions of postload.dlq
	toks := map[int64]string{1: w.tok}
	for c := int64(2); c <= clients; c++ {
		toks[c] = mustToken(t, serveConfig{TokensFile: filepath.Join(w.dir, "tokens")}, c)
	}
	const window = 20 * time.Second
	_, api := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "api,dispatch,retry")...)
	e1, m1 := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "email")...)
	waitAPI(t, api)
	waitMetric(t, m1, "postload_email_partitions", 4)

	for c := int64(1); c <= clients; c++ {
		mustHook(t, api, toks[c], 100+c, w.rc.URL)
		mustRecipient(t, api, toks[c], fmt.Sprintf("ops%d@example.com", c))
	}
	for c := int64(1); c <= clients; c++ {
		mustProduce(t, api.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("first-%d", c), c, 100+c, prettyPayload))
	}
	waitEmails(t, smtp, clients)
	for c := int64(1); c <= clients; c++ {
		for i := range 2 {
			mustProduce(t, api.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("more-%d-%d", c, i), c, 100+c, prettyPayload))
		}
	}
	waitDLQCommitted(t, api, 3*clients)

	_, m2 := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "email")...)
	waitMetric(t, m2, "postload_email_partitions", 2)
	waitMetric(t, m1, "postload_email_partitions", 2)
	if n := len(smtp.Messages()); n != clients {
		t.Fatalf("%d emails after the rebalance, want %d: the windows are still open", n, clients)
	}
	msgs := waitEmails(t, smtp, 2*clients) // the digests, while both run
	waitMetric(t, m1, "postload_emails_pending", 0)
	waitMetric(t, m2, "postload_emails_pending", 0)
	if sent1, sent2 := metricSent(t, m1), metricSent(t, m2); sent2 == 0 || sent1 < clients {
		t.Errorf("emails sent: %v by the first process, %v by the second; want the digests split between them", sent1, sent2)
	}

	terminate(t, e1)
	waitMetric(t, m2, "postload_email_partitions", 4)
	for c := int64(1); c <= clients; c++ {
		mustProduce(t, api.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("after-%d", c), c, 100+c, prettyPayload))
	}
	msgs = waitEmails(t, smtp, 3*clients)
	waitDLQCommitted(t, api, 4*clients)
	waitMetric(t, m2, "postload_emails_pending", 0)

	ids := map[string]int{}
	digests := map[string]int{}
	for _, m := range msgs {
		p := smtptest.Parse(t, m.Data)
		ids[p.Header.Get("Message-Id")]++
		for c := int64(1); c <= clients; c++ {
			if containsAll(p.Text, "2 more notifications", fmt.Sprintf("more-%d-0", c), fmt.Sprintf("more-%d-1", c)) {
				digests[fmt.Sprint(c)]++
			}
		}
	}
	if len(msgs) != 3*clients || len(ids) != len(msgs) {
		t.Errorf("%d emails, %d distinct Message-IDs; want %d distinct: %v", len(msgs), len(ids), 3*clients, ids)
	}
	for c := int64(1); c <= clients; c++ {
		if n := digests[fmt.Sprint(c)]; n != 1 {
			t.Errorf("client %d: %d digests, want 1", c, n)
		}
	}
}

// metricSent is postload_emails_total{result="sent"} of the instance.
func metricSent(tb testing.TB, in *instance) float64 {
	return metric(tb, in, `postload_emails_total{result="sent"}`)
}

func containsAll(text string, subs ...string) bool {
	for _, s := range subs {
		if !strings.Contains(text, s) {
			return false
		}
	}
	return true
}
