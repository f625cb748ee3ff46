package email

import "context"

// outcome is what handlers wait for: done closes once the email covering
// their records was sent, or the records were skipped (err nil), or the
// email will not be sent (err says why).
type outcome struct {
	done chan struct{}
	err  error
}

func newOutcome() *outcome { return &outcome{done: make(chan struct{})} }

// resolve is called once, by whoever owns the outcome at that moment.
func (o *outcome) resolve(err error) {
	o.err = err
	close(o.done)
}

// wait returns the outcome's error, or ctx's if ctx ends first.
func (o *outcome) wait(ctx context.Context) error {
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
