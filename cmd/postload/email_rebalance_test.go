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

// Two email-role processes in one group. The first opens windows and owes
// emails it cannot send (the SMTP server is down); the second joins, and
// half the partitions move to it with their windows and owed emails; the
// server comes back while both run; then the first stops and the second
// takes over the rest of the windows. Every email goes out exactly once.
func TestEmailWindowsMoveBetweenInstances(t *testing.T) {
	w := newWorld(t, 1)
	w.rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	smtp := smtptest.Start(t, smtptest.Options{})
	const clients = 4 // their dead letters spread over both partitions of postload.dlq
	toks := map[int64]string{1: w.tok}
	for c := int64(2); c <= clients; c++ {
		toks[c] = mustToken(t, serveConfig{TokensFile: filepath.Join(w.dir, "tokens")}, c)
	}
	const window = 30 * time.Second
	_, api := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "api,dispatch,retry")...)
	e1, m1 := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "email")...)
	waitAPI(t, api)
	waitMetric(t, m1, "postload_email_partitions", 4)
	// Two hooks per client: a window with a digest, and one whose first
	// email is owed across the rebalance.
	for c := int64(1); c <= clients; c++ {
		mustHook(t, api, toks[c], 100+c, w.rc.URL+"/a")
		mustHook(t, api, toks[c], 200+c, w.rc.URL+"/b")
		mustRecipient(t, api, toks[c], fmt.Sprintf("ops%d@example.com", c))
	}
	event := func(id string, c, dest int64) {
		mustProduce(t, api.brokers, "load-completed", "k", loadEvent(id, c, dest, prettyPayload))
	}
	for c := int64(1); c <= clients; c++ {
		event(fmt.Sprintf("first-%d", c), c, 100+c)
	}
	waitEmails(t, smtp, clients)
	for c := int64(1); c <= clients; c++ {
		event(fmt.Sprintf("more-%d-0", c), c, 100+c)
		event(fmt.Sprintf("more-%d-1", c), c, 100+c)
	}
	waitDLQCommitted(t, api, 3*clients)

	smtp.Down()
	for c := int64(1); c <= clients; c++ {
		event(fmt.Sprintf("owed-%d", c), c, 200+c)
	}
	waitDLQCommitted(t, api, 4*clients)
	waitMetric(t, m1, "postload_emails_pending", clients)

	_, m2 := w.start(t, emailFlags(smtp.Addr(), window, "--roles", "email")...)
	waitMetric(t, m2, "postload_email_partitions", 2)
	waitMetric(t, m1, "postload_email_partitions", 2)
	smtp.Up()
	waitEmails(t, smtp, 2*clients)
	waitMetric(t, m1, "postload_emails_pending", 0)
	waitMetric(t, m2, "postload_emails_pending", 0)
	if sent := metricSent(t, m2); sent <= 0 {
		t.Errorf("the second process sent %v emails; the owed ones of the partitions it got are its to send", sent)
	}

	terminate(t, e1)
	waitMetric(t, m2, "postload_email_partitions", 4)
	msgs := waitEmails(t, smtp, 3*clients) // the digests, at the windows' end
	waitMetric(t, m2, "postload_emails_pending", 0)

	ids := map[string]int{}
	got := map[string]int{}
	for _, m := range msgs {
		p := smtptest.Parse(t, m.Data)
		ids[p.Header.Get("Message-Id")]++
		for c := int64(1); c <= clients; c++ {
			if containsAll(p.Text, "2 more notifications", fmt.Sprintf("more-%d-0", c), fmt.Sprintf("more-%d-1", c)) {
				got[fmt.Sprintf("digest %d", c)]++
			}
			if strings.Contains(p.Text, fmt.Sprintf("owed-%d", c)) {
				got[fmt.Sprintf("owed %d", c)]++
			}
		}
	}
	if len(msgs) != 3*clients || len(ids) != len(msgs) {
		t.Errorf("%d emails, %d distinct Message-IDs; want %d distinct: %v", len(msgs), len(ids), 3*clients, ids)
	}
	for c := int64(1); c <= clients; c++ {
		for _, k := range []string{fmt.Sprintf("digest %d", c), fmt.Sprintf("owed %d", c)} {
			if got[k] != 1 {
				t.Errorf("%s: %d emails, want 1", k, got[k])
			}
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
