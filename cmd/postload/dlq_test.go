package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// cli runs a postload command line in this process.
func cli(tb testing.TB, args ...string) string {
	tb.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		tb.Fatalf("postload %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func TestDeadLettersAreListedAndReplayedOnce(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	var up atomic.Bool
	rc.Answer(func(int, *http.Request) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	other := mustToken(t, cfg, 99)
	in := mustServe(t, cfg)
	h := mustHook(t, in, tok, 2, rc.URL)
	gone := mustHook(t, in, tok, 2, rc.URL+"/deleted")
	off := mustHook(t, in, tok, 2, rc.URL+"/disabled")
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e-dlq", 1, 2, prettyPayload))
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := len(deadLetters(t, in))
		return n == 3, fmt.Sprintf("%d dead letters", n)
	})
	call(t, "DELETE", in.api+"/hooks/"+strconv.FormatInt(gone.ID, 10), tok, nil)
	call(t, "PUT", in.api+"/hooks/"+strconv.FormatInt(off.ID, 10), tok, map[string]bool{"enable": false})

	// Listed through the API, per hook and account.
	status, body := call(t, "GET", in.api+"/hooks/"+strconv.FormatInt(h.ID, 10)+"/dead-letters", tok, nil)
	var listed struct {
		DeadLetters []struct {
			ID       string `json:"id"`
			EventID  string `json:"event_id"`
			Replayed bool   `json:"replayed"`
		} `json:"dead_letters"`
	}
	if err := json.Unmarshal(body, &listed); status != 200 || err != nil || len(listed.DeadLetters) != 1 || listed.DeadLetters[0].EventID != "e-dlq" || listed.DeadLetters[0].Replayed {
		t.Fatalf("GET dead-letters: %d %s", status, body)
	}
	if status, _ := call(t, "GET", in.api+"/hooks/"+strconv.FormatInt(h.ID, 10)+"/dead-letters", other, nil); status != 404 {
		t.Errorf("another account sees the dead letters: %d", status)
	}
	brokers := strings.Join(in.brokers, ",")
	if out := cli(t, "dlq", "list", "--brokers", brokers, "--client", "1"); strings.Count(out, "e-dlq") != 3 {
		t.Errorf("dlq list:\n%s", out)
	}
	if out := cli(t, "dlq", "stats", "--brokers", brokers); !strings.Contains(out, "retries_exhausted") {
		t.Errorf("dlq stats:\n%s", out)
	}

	// Replayed from the CLI: the enabled hook gets it again, the others are
	// skipped with the reason.
	up.Store(true)
	before := rc.Count()
	out := cli(t, "dlq", "replay", "--brokers", brokers, "--json")
	var res struct {
		Replayed int            `json:"replayed"`
		Skipped  map[string]int `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Replayed != 1 || res.Skipped["hook deleted"] != 1 || res.Skipped["hook disabled"] != 1 {
		t.Fatalf("replay: %s", out)
	}
	wantID := "e-dlq." + strconv.FormatInt(h.ID, 10)
	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Delivered()[wantID], fmt.Sprintf("%d requests", rc.Count()) })
	waitCommitted(t, in, "postload.retry", "postload.retry.1")
	if n := rc.Count() - before; n != 1 {
		t.Errorf("%d requests after the replay, want 1", n)
	}

	// A second replay, through the API this time, sends nothing new.
	status, body = call(t, "POST", in.api+"/hooks/"+strconv.FormatInt(h.ID, 10)+"/dead-letters/replay", tok, nil)
	if status != 200 || !strings.Contains(string(body), "already replayed") {
		t.Fatalf("second replay: %d %s", status, body)
	}
	if !strings.Contains(string(body), `"replayed":0`) {
		t.Errorf("second replay replayed something: %s", body)
	}
	waitCommitted(t, in, "postload.retry", "postload.retry.1")
	if n := rc.Count() - before; n != 1 {
		t.Errorf("%d requests after two replays, want 1", n)
	}
}
