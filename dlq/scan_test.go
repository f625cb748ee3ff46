package dlq

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is a DLQ of two accounts and three hooks with two malformed
// records. ev-3's last 4 attempts were skipped by the open breaker, and
// ev-5's last 5, written as before Attempt.Skipped. Each account's dead letters are in one partition (keyed by
// client), in dead_at order as the dispatcher writes them; the accounts
// are in different partitions, written one after the other, so that only
// the merge gives dead_at order.
func fixture(tb testing.TB) *env {
	tb.Helper()
	e := newEnv(tb)
	e.mustWrite(tb,
		dl{event: "ev-2", client: clientB, hook: 3, deadAt: t0.Add(2 * time.Minute), reason: "hook_disabled"},
		dl{event: "ev-5", client: clientB, hook: 3, deadAt: t0.Add(5 * time.Minute), skipped: 5, legacy: true},
		dl{event: "ev-1", client: clientA, hook: 1, deadAt: t0.Add(1 * time.Minute)},
		dl{event: "ev-3", client: clientA, hook: 1, deadAt: t0.Add(3 * time.Minute), skipped: 4},
		dl{event: "ev-4", client: clientA, hook: 2, deadAt: t0.Add(4 * time.Minute), reason: "hook_gone"},
	)
	e.mustPublish(tb, "postload.dlq", "1", []byte("not json"))
	e.mustPublish(tb, "postload.dlq", "2", []byte(`{"event":"{}","event_id":"x"}`))
	return e
}

func TestScanMergesByDeadAtAndSkipsMalformed(t *testing.T) {
	e := fixture(t)
	got := e.mustScan(t, Filter{})
	if want := []string{"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"}; !slices.Equal(eventIDs(got), want) {
		t.Fatalf("order %v, want %v", eventIDs(got), want)
	}
	seen := map[string]bool{}
	for _, en := range got {
		if want := fmt.Sprintf("%d-%d", en.Partition, en.Offset); en.ID != want || seen[en.ID] {
			t.Errorf("id %q for %d/%d (duplicate %v)", en.ID, en.Partition, en.Offset, seen[en.ID])
		}
		seen[en.ID] = true
		if en.Time.IsZero() {
			t.Errorf("%s: no record time", en.ID)
		}
	}
	partitions := map[int]bool{}
	for _, en := range got {
		partitions[en.Partition] = true
	}
	if len(partitions) != 2 {
		t.Fatalf("dead letters in partitions %v: want the two accounts apart", partitions)
	}
}

func TestScanFilters(t *testing.T) {
	e := fixture(t)
	for _, tc := range []struct {
		name string
		f    Filter
		want []string
	}{
		{"client", Filter{ClientID: clientB}, []string{"ev-2", "ev-5"}},
		{"hook", Filter{HookID: 1}, []string{"ev-1", "ev-3"}},
		{"client and hook", Filter{ClientID: clientA, HookID: 2}, []string{"ev-4"}},
		{"other client's hook", Filter{ClientID: clientB, HookID: 1}, nil},
		{"since inclusive", Filter{Since: t0.Add(3 * time.Minute)}, []string{"ev-3", "ev-4", "ev-5"}},
		{"until exclusive", Filter{Until: t0.Add(3 * time.Minute)}, []string{"ev-1", "ev-2"}},
		{"since and until", Filter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, []string{"ev-2", "ev-3"}},
		{"limit", Filter{Limit: 2}, []string{"ev-1", "ev-2"}},
		{"limit after filter", Filter{ClientID: clientA, Limit: 2}, []string{"ev-1", "ev-3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventIDs(e.mustScan(t, tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScanReadsASnapshot(t *testing.T) {
	e := fixture(t)
	n := 0
	err := Scan(context.Background(), e.cfg, Filter{}, func(Entry) error {
		if n == 0 { // dead letters arriving during the scan are not read
			for i := range 3 {
				e.mustWrite(t, dl{event: fmt.Sprintf("late-%d", i), client: int64(clientA + i), hook: 1, deadAt: t0})
			}
		}
		n++
		return nil
	})
	if err != nil || n != 5 {
		t.Fatalf("Scan: %d entries, %v; want 5, nil", n, err)
	}
	if got := len(e.mustScan(t, Filter{})); got != 8 {
		t.Fatalf("next scan: %d entries, want 8", got)
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	e := fixture(t)
	stop := fmt.Errorf("stop")
	n := 0
	err := Scan(context.Background(), e.cfg, Filter{}, func(Entry) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("got %v after %d calls, want stop after 1", err, n)
	}
}

func TestScanEmptyAndMissingTopic(t *testing.T) {
	e := newEnv(t)
	if got := e.mustScan(t, Filter{}); len(got) != 0 {
		t.Fatalf("empty DLQ: %d entries", len(got))
	}
	cfg := e.cfg
	cfg.DLQTopic = "no.such.topic"
	if err := Scan(context.Background(), cfg, Filter{}, func(Entry) error { return nil }); err == nil || !strings.Contains(err.Error(), "no.such.topic") {
		t.Fatalf("missing topic: %v", err)
	}
}

func TestStats(t *testing.T) {
	e := fixture(t)
	s, err := Stats(context.Background(), e.cfg, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 5 || s.Malformed != 2 {
		t.Errorf("total %d, malformed %d; want 5, 2", s.Total, s.Malformed)
	}
	if !s.Oldest.Equal(t0.Add(time.Minute)) || !s.Newest.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("oldest %v, newest %v", s.Oldest, s.Newest)
	}
	if want := []ClientCount{{clientA, 3}, {clientB, 2}}; !slices.Equal(s.ByClient, want) {
		t.Errorf("by client %v, want %v", s.ByClient, want)
	}
	if s.RequestsSent != 21 || s.AttemptsSkipped != 9 {
		t.Errorf("requests sent %d, attempts skipped %d; want 21, 9", s.RequestsSent, s.AttemptsSkipped)
	}
	wantHooks := []HookCount{
		{HookID: 1, ClientID: clientA, URL: "https://hooks.example.com/catch/1", Count: 2, RequestsSent: 8, AttemptsSkipped: 4},
		{HookID: 3, ClientID: clientB, URL: "https://hooks.example.com/catch/3", Count: 2, RequestsSent: 7, AttemptsSkipped: 5},
		{HookID: 2, ClientID: clientA, URL: "https://hooks.example.com/catch/2", Count: 1, RequestsSent: 6},
	}
	if len(s.ByHook) != len(wantHooks) {
		t.Fatalf("by hook %+v", s.ByHook)
	}
	for i, h := range s.ByHook {
		h.newest = time.Time{}
		if h != wantHooks[i] {
			t.Errorf("by hook [%d] = %+v, want %+v", i, h, wantHooks[i])
		}
	}
	if want := []ReasonCount{{"retries_exhausted", 3}, {"hook_disabled", 1}, {"hook_gone", 1}}; !slices.Equal(s.ByReason, want) {
		t.Errorf("by reason %v, want %v", s.ByReason, want)
	}
	var out bytes.Buffer
	if err := s.Print(&out); err != nil {
		t.Fatal(err)
	}
	table := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"dead letters 5 oldest 2026-03-01T10:01:00Z newest 2026-03-01T10:05:00Z " +
		"requests sent 21 attempts skipped, breaker open 9 malformed records (skipped) 2",
		"REASON COUNT retries_exhausted 3 hook_disabled 1 hook_gone 1", "CLIENT COUNT 116078 3 200002 2",
		"HOOK CLIENT COUNT SENT SKIPPED URL 1 116078 2 8 4 https://hooks.example.com/catch/1 3 200002 2 7 5 https://hooks.example.com/catch/3"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	b, _ := json.Marshal(s)
	for _, key := range []string{`"total":5`, `"malformed":2`, `"oldest_dead_at":"2026-03-01T10:01:00Z"`,
		`"requests_sent":21,"attempts_skipped":9`, `"by_hook":[{"hook_id":1,`, `"count":2,"requests_sent":8,"attempts_skipped":4}`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

func TestStatsOfNothing(t *testing.T) {
	e := newEnv(t)
	s, err := Stats(context.Background(), e.cfg, Filter{ClientID: clientA})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	if want := `{"total":0,"malformed":0,"oldest_dead_at":null,"newest_dead_at":null,"requests_sent":0,"attempts_skipped":0,"by_client":[],"by_hook":[],"by_reason":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestList(t *testing.T) {
	e := fixture(t)
	var human bytes.Buffer
	res, err := List(context.Background(), e.cfg, Filter{ClientID: clientA}, &human, false)
	if err != nil || res != (ListResult{Listed: 3, Malformed: 2}) {
		t.Fatalf("List: %+v, %v", res, err)
	}
	lines := strings.Split(strings.TrimSuffix(human.String(), "\n"), "\n")
	line := regexp.MustCompile(`^2026-03-01T10:0[134]:00Z\t\d+-\d+\tevent=ev-\d+\tclient=116078\thook=[12]\thttps://hooks.example.com/catch/[12]\t(retries_exhausted|hook_gone)\tattempts=6\t(.*)$`)
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), human.String())
	}
	wantEnds := []string{
		"requests_sent=6\tattempts_skipped=0\tHTTP 503 Service Unavailable",          // ev-1
		"requests_sent=2\tattempts_skipped=4\tcircuit breaker open: no request sent", // ev-3
		"requests_sent=6\tattempts_skipped=0\tHTTP 503 Service Unavailable",          // ev-4
	}
	for i, l := range lines {
		if m := line.FindStringSubmatch(l); m == nil || m[2] != wantEnds[i] {
			t.Errorf("line %q, want it to end %q", l, wantEnds[i])
		}
	}

	var js bytes.Buffer
	if _, err := List(context.Background(), e.cfg, Filter{HookID: 3}, &js, true); err != nil {
		t.Fatal(err)
	}
	var got, counts []string
	sc := bufio.NewScanner(&js)
	for sc.Scan() {
		var en struct {
			Entry
			RequestsSent    *int `json:"requests_sent"`
			AttemptsSkipped *int `json:"attempts_skipped"`
		}
		if err := json.Unmarshal(sc.Bytes(), &en); err != nil || en.RequestsSent == nil || en.AttemptsSkipped == nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, en.DeadLetter.EventID)
		counts = append(counts, fmt.Sprintf("%d/%d", *en.RequestsSent, *en.AttemptsSkipped))
	}
	if want := []string{"ev-2", "ev-5"}; !slices.Equal(got, want) {
		t.Errorf("JSON lines %v, want %v", got, want)
	}
	// ev-5's skipped attempts were written without "skipped": judged by
	// their error text.
	if want := []string{"6/0", "1/5"}; !slices.Equal(counts, want) {
		t.Errorf("requests_sent/attempts_skipped %v, want %v", counts, want)
	}
}
