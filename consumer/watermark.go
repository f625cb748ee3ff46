package consumer

// watermark tracks the fetched but unfinished offsets of one partition and
// yields the offset that may be committed: one past the end of the
// contiguous prefix of finished messages. Offsets are added in fetch order
// (increasing, possibly with gaps). Not safe for concurrent use.
type watermark struct {
	pending []int64        // fetched offsets in order; front may be finished
	done    map[int64]bool // finished offsets still in pending
	next    int64          // offset to commit; -1 until something finishes
}

func newWatermark() *watermark {
	return &watermark{done: make(map[int64]bool), next: -1}
}

// add records a fetched offset as in flight.
func (w *watermark) add(offset int64) { w.pending = append(w.pending, offset) }

// finish marks offset finished and reports whether the commit offset moved.
func (w *watermark) finish(offset int64) bool {
	w.done[offset] = true
	moved := false
	for len(w.pending) > 0 && w.done[w.pending[0]] {
		delete(w.done, w.pending[0])
		w.next = w.pending[0] + 1
		w.pending = w.pending[1:]
		moved = true
	}
	if len(w.pending) == 0 {
		w.pending = nil // let the backing array go
	}
	return moved
}

// commitOffset is the offset to commit, or -1 when nothing has finished.
func (w *watermark) commitOffset() int64 { return w.next }

// inFlight is the number of fetched, unfinished messages.
func (w *watermark) inFlight() int { return len(w.pending) - len(w.done) }

// doneAbove returns the finished offsets beyond the commit offset, in
// order: messages finished out of order.
func (w *watermark) doneAbove() []int64 {
	var out []int64
	for _, off := range w.pending {
		if w.done[off] {
			out = append(out, off)
		}
	}
	return out
}

// oldest returns the oldest unfinished offset.
func (w *watermark) oldest() (int64, bool) {
	for _, off := range w.pending {
		if !w.done[off] {
			return off, true
		}
	}
	return 0, false
}
