package dispatcher

import (
	"sync"
	"sync/atomic"
)

// pool runs the attempts of an event's hooks concurrently on goroutines
// that outlive one attempt: a goroutine's stack, grown once by a call into
// the HTTP client, is reused instead of grown again for every attempt. Up
// to max goroutines wait for work; beyond that a job gets a goroutine of its
// own, so no attempt ever waits for another.
type pool struct {
	jobs chan func()
	size atomic.Int64
	max  int64
	wg   sync.WaitGroup
}

func newPool(max int) *pool { return &pool{jobs: make(chan func()), max: int64(max)} }

// run starts f on an idle worker, a new worker, or a goroutine of its own.
func (p *pool) run(f func()) {
	select {
	case p.jobs <- f:
		return
	default:
	}
	if p.size.Add(1) <= p.max {
		p.wg.Go(func() {
			f()
			for f := range p.jobs {
				f()
			}
		})
		return
	}
	p.size.Add(-1)
	p.wg.Go(f)
}

// close stops the workers once their jobs are done; run must not be called
// after it.
func (p *pool) close() {
	close(p.jobs)
	p.wg.Wait()
}
