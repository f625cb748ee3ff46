package attemptlog

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// BenchmarkIndexApply reads attempts of 1,000 hooks into an index bounded
// to 64 MiB (the default), as the api role reads the log at 1,000 hooks of
// 100 accounts: the index fills, then evicts. It reports the heap the
// index holds once the benchmark ends (live-MiB) and how long a full
// collection then takes (gc-ms): the work the collector does for the index
// on every cycle, which the deliveries pay for.
func BenchmarkIndexApply(b *testing.B) {
	x := mustIndex(b, IndexConfig{})
	lines := make([][]byte, 1<<18)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// Lines of distinct attempts, more than the index keeps, so that a
	// line met again was evicted long before.
	for i := range lines {
		a := attempt(int64(i%1000+1), fmt.Sprintf("ev-%d", i), 1, t0.Add(time.Duration(i)*time.Microsecond), schema.LoggedFailed)
		v, err := encode(a)
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = v
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x.apply(0, int64(i), lines[i%len(lines)])
		i++
	}
	b.StopTimer()
	clear(lines) // the index's copies are what is measured
	var after runtime.MemStats
	runtime.GC()
	start := time.Now()
	runtime.GC()
	gc := time.Since(start)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "live-MiB")
	b.ReportMetric(float64(gc.Microseconds())/1000, "gc-ms")
	b.ReportMetric(float64(x.Stats().Attempts), "kept")
	runtime.KeepAlive(x)
}
