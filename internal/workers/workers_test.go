package workers

import (
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Go never makes a function wait for another, beyond max workers too; a
// worker runs later functions once its first returned; Close waits for
// every function and worker.
func TestPoolRunsEveryFunctionAtOnceAndCloseWaits(t *testing.T) {
	for _, max := range []int{0, 1, 3} {
		p := New(max)
		const n = 5
		var started sync.WaitGroup
		started.Add(n)
		hold := make(chan struct{})
		var ran atomic.Int32
		for range n {
			p.Go(func() {
				started.Done()
				<-hold // returns only when all n run at once
				ran.Add(1)
			})
		}
		started.Wait() // every function runs while the others are held
		close(hold)
		p.Go(func() { ran.Add(1) }) // on an idle worker or one of its own
		p.Close()
		if got := ran.Load(); got != n+1 {
			t.Errorf("max %d: %d functions ran before Close returned, want %d", max, got, n+1)
		}
	}
}
