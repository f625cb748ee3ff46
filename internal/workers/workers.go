// Package workers runs functions on goroutines that outlive one call: a
// goroutine's stack, grown once by a call into the HTTP client, is reused
// instead of grown again for every call. The consumer's partitions run
// their handlers on one, the dispatcher an event's hooks on another; it
// imports nothing of the project, so that neither imports the other.
//
// Guarantees: Go never blocks and never makes a function wait for another
// (beyond Max idle workers a function gets a goroutine of its own); Close
// returns only after every function started has returned and every worker
// has exited.
package workers

import (
	"sync"
	"sync/atomic"
)

// Pool runs functions concurrently on workers. Up to max workers wait for
// work between calls; beyond that a function gets a goroutine of its own.
// Safe for concurrent use.
type Pool struct {
	jobs chan func()
	size atomic.Int64
	max  int64
	wg   sync.WaitGroup
}

// New returns a Pool keeping up to max workers; Close it when done.
func New(max int) *Pool { return &Pool{jobs: make(chan func()), max: int64(max)} }

// Go starts f on an idle worker, a new worker, or a goroutine of its own.
func (p *Pool) Go(f func()) {
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

// Close stops the workers once their functions have returned; Go must not
// be called after it.
func (p *Pool) Close() {
	close(p.jobs)
	p.wg.Wait()
}
