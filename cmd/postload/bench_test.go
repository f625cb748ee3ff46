package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/bench"
)

// TestBenchSmallRun runs every scenario of `postload bench` at a tiny size:
// the harness works end to end (its broker and client processes, postload
// under test, the receivers), prints a line per scenario and writes a
// report whose counts add up. Its figures are not judged here: timing
// belongs to `make bench`.
func TestBenchSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs postload several times")
	}
	bin := mustBuild(t)
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "bench", "--json", report, "--deliveries", "2000", "--sweep", "4,8", "--throughput-latency", "1s", "--log-rounds", "2",
		"--shapes", "1,4", "--receivers", "http1", "--brokers", "process,embedded",
		"--latency-rate", "200", "--latency-duration", "1s", "--isolation-events", "200", "--isolation-duration", "1s", "--isolation-turn", "500ms",
		"--retry-deliveries", "50", "--backlog-records", "2000", "--backlog-watch", "1s",
		"--crash-rate", "200", "--crash-duration", "2s")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("postload bench: %v\n%s", err, out)
	}
	for _, want := range []string{"ceiling     http1 receiver: best", "throughput  1 hook ", "throughput  1000 hooks of 100 accounts, 1 host", "broker embedded", "deliverylog round 2: ", "latency ", "isolation ", "retry ", "backlog     2000 records waiting on load-completed", "backlog     2000 records waiting on retry-tier", "crash       2 instances"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no line %q in the output:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r bench.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if len(r.Sweep) != 2 {
		t.Errorf("ceiling sweep: %+v, want 2 runs (HTTP/1.1 at 4 and 8)", r.Sweep)
	}
	if len(r.Throughput) != 4 {
		t.Fatalf("throughput runs = %d, want 4", len(r.Throughput))
	}
	for _, tp := range r.Throughput {
		if tp.Deliveries != 2000 || tp.Ratio <= 0 || tp.Ceiling.PerSec <= 0 || tp.CPUPerDeliveryUS <= 0 || tp.Ceiling.CPUPerReqUS <= 0 || tp.P99MS <= 0 || tp.Cores.Postload <= 0 {
			t.Errorf("throughput %s, broker %s: %+v", tp.Shape.Name, tp.Broker, tp)
		}
	}
	if d := r.DeliveryLog; d == nil || len(d.Off) != 3 || len(d.On) != 2 || len(d.Ratios) != 2 || d.Ratio <= 0 || d.CPURatio <= 0 {
		t.Errorf("delivery log: %+v", r.DeliveryLog)
	} else {
		for _, w := range append(d.Off, d.On...) {
			if w.Deliveries != 2000 || w.PerSec <= 0 {
				t.Errorf("delivery log run: %+v", w)
			}
		}
	}
	if r.Latency == nil || r.Latency.Deliveries != 200 || r.Latency.P99MS <= 0 {
		t.Errorf("latency: %+v", r.Latency)
	}
	if r.Isolation == nil || r.Isolation.Turns != 2 || r.Isolation.HealthyPerSec <= 0 || r.Isolation.WithHolePerSec <= 0 || r.Isolation.P99Ratio <= 0 {
		t.Errorf("isolation: %+v", r.Isolation)
	}
	if r.Retry == nil || r.Retry.Deliveries != 50 || r.Retry.Early != 0 {
		t.Errorf("retry: %+v", r.Retry)
	}
	if len(r.Backlog) != 2 || r.Backlog[0].PeakRSSMB <= 0 || r.Backlog[1].PeakRSSMB <= 0 {
		t.Errorf("backlog: %+v", r.Backlog)
	}
	// 200 events/s for 2 s, one killed halfway: every event delivered, the
	// repeats are the requests beyond the distinct ids, and the survivor
	// took over after the session timeout (6 s).
	if c := r.Crash; c == nil || c.Instances != 2 || c.Events < 390 || c.Distinct != int64(c.Events) || !c.NoneLost ||
		c.Repeats != c.Requests-c.Distinct || c.Repeats < 0 || c.KilledAtS <= 0 || c.TakeoverAfterS < 6 || c.DeliveredAfterS < c.TakeoverAfterS-1 {
		t.Errorf("crash: %+v", r.Crash)
	}
}
