package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
)

// emailFlags make dead letters quickly: every attempt fails at once and
// the tiers wait 100 ms.
func emailFlags(smtpAddr string, window time.Duration, extra ...string) []string {
	return append([]string{"--smtp-url", "smtp://" + smtpAddr, "--digest-window", window.String(),
		"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s",
		"--retry-delays", "100ms,100ms,100ms,100ms,100ms", "--breaker-min-requests", "1000"}, extra...)
}

// Restarting the email role mid-window, gracefully or with kill -9, sends
// no email twice and loses none: the first dead letter's email is not sent
// again, the folded dead letters were committed before the restart, the
// window is not cut short on shutdown, and its digest goes out once.
func TestEmailWindowSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(testing.TB, *exec.Cmd)
	}{
		{"SIGTERM", terminate},
		{"kill -9", kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 116078)
			w.rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
			smtp := smtptest.Start(t, smtptest.Options{})
			// The email role runs in a process of its own, so that only it
			// restarts (a crash of the retry role may dead-letter an event
			// twice: two records, rightly counted twice).
			_, in := w.start(t, emailFlags(smtp.Addr(), 15*time.Second, "--roles", "api,dispatch,retry")...)
			flags := emailFlags(smtp.Addr(), 15*time.Second, "--roles", "email")
			p1, m1 := w.start(t, flags...)
			waitAPI(t, in)
			waitMetric(t, m1, "postload_email_partitions", 4)
			mustHook(t, in, w.tok, 12345, w.rc.URL)
			mustRecipient(t, in, w.tok, "ops@example.com")

			mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-1", 116078, 12345, prettyPayload))
			waitEmails(t, smtp, 1)
			for i := 2; i <= 4; i++ {
				mustProduce(t, in.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("ev-%d", i), 116078, 12345, prettyPayload))
			}
			// Folded dead letters are committed at once, not when the
			// digest goes out.
			waitDLQCommitted(t, in, 4)

			tc.stop(t, p1)
			if n := len(smtp.Messages()); n != 1 {
				t.Fatalf("%d emails once the first process stopped, want 1: the window must go on, not be cut short", n)
			}
			_, in2 := w.start(t, flags...)
			msgs := waitEmails(t, smtp, 2)
			waitMetric(t, in2, "postload_emails_pending", 0)
			if n := len(smtp.Messages()); n != 2 {
				t.Fatalf("%d emails, want the first and one digest", n)
			}
			first, digest := smtptest.Parse(t, msgs[0].Data), smtptest.Parse(t, msgs[1].Data)
			mustHave(t, first.Text, "ev-1")
			mustHave(t, digest.Text, "3 more notifications", "ev-2", "ev-3", "ev-4")
			if a, b := first.Header.Get("Message-Id"), digest.Header.Get("Message-Id"); a == b {
				t.Errorf("both emails have Message-ID %s", a)
			}
		})
	}
}

// terminate sends SIGTERM and waits for the process to exit 0, within 10 s.
func terminate(tb testing.TB, cmd *exec.Cmd) {
	tb.Helper()
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	state, err := cmd.Process.Wait()
	if err != nil {
		tb.Fatal(err)
	}
	if code := state.ExitCode(); code != 0 {
		tb.Fatalf("exit code %d after SIGTERM", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		tb.Errorf("shutdown took %v", d)
	}
}

// waitEmails waits until smtp accepted n messages and returns them.
func waitEmails(tb testing.TB, smtp *smtptest.Server, n int) []smtptest.Message {
	tb.Helper()
	wait.For(tb, 60*time.Second, func() (bool, string) {
		got := len(smtp.Messages())
		return got >= n, fmt.Sprintf("%d of %d emails", got, n)
	})
	return smtp.Messages()
}

// waitDLQCommitted waits until postload.dlq holds n dead letters and group
// postload.email has committed them all.
func waitDLQCommitted(tb testing.TB, in *instance, n int) {
	tb.Helper()
	wait.For(tb, 60*time.Second, func() (bool, string) {
		have := len(readAll(tb, in.brokers, "postload.dlq"))
		var done int64
		for _, o := range committed(tb, in.brokers, "postload.email", "postload.dlq", 2) {
			done += max(o, 0)
		}
		return have == n && done == int64(n), fmt.Sprintf("%d dead letters, %d committed, want %d", have, done, n)
	})
}

// metric reads a metric without labels from the instance's /metrics; -1
// when it cannot.
func metric(tb testing.TB, in *instance, name string) float64 {
	tb.Helper()
	resp, err := http.Get(strings.TrimSuffix(in.api, "/notifications/public/v1/api") + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// waitMetric waits until the instance's metric has value v.
func waitMetric(tb testing.TB, in *instance, name string, v float64) {
	tb.Helper()
	wait.For(tb, 60*time.Second, func() (bool, string) {
		got := metric(tb, in, name)
		return got == v, fmt.Sprintf("%s = %v, want %v", name, got, v)
	})
}

func mustHave(tb testing.TB, text string, subs ...string) {
	tb.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			tb.Errorf("missing %q in:\n%s", s, text)
		}
	}
}
