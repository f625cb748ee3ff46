package consumer

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// progress is what a partition worker has finished beyond its commit
// offset: whole messages, finished out of order, and items of messages
// still in flight (the hooks of an event already delivered or handed on,
// the deliveries of a group record). It travels with each commit, in the
// offset's metadata, so that a worker that takes the partition over after
// a crash or a drain deadline skips what was finished instead of doing it
// again.
//
// It is the partition worker's, guarded by its own lock because handlers
// report items from their goroutines.
type progress struct {
	mu    sync.Mutex
	items map[int64][]int64 // offset in flight → items finished
	dirty bool              // changed since the last commit
	// prior is the progress read from the committed metadata at start:
	// what an earlier worker finished. It is consulted as messages are
	// fetched again, and written on in the next commits until they are.
	prior priorProgress
	// suspectEnd: messages below it, when the earlier worker did not stop
	// in order, may have been handled in part without a record of it
	// (within CommitInterval of its death); -1 until known, 0: none.
	suspectEnd int64
}

// priorProgress is progress as decoded from commit metadata.
type priorProgress struct {
	done  map[int64]bool
	items map[int64][]int64
	// since is the earliest time a message not recorded here could have
	// been handled (zero: unknown).
	since time.Time
	// clean says the previous owner stopped in order (drained and
	// committed): what it did is all recorded here.
	clean bool
}

func newProgress(prior priorProgress) *progress {
	p := &progress{items: map[int64][]int64{}, prior: prior, suspectEnd: -1}
	if prior.clean {
		p.suspectEnd = 0
	}
	// Without a commit, a worker may still have handled messages and died
	// before its first commit: they are suspect as well.
	return p
}

// fetched learns, from the first message fetched, the end of the partition
// as the worker found it: the messages an earlier worker may have handled
// lie below it.
func (p *progress) fetched(highWater int64, appended time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.suspectEnd < 0 {
		p.suspectEnd = highWater
		if p.prior.since.IsZero() {
			// No better bound: the first message's timestamp, by a clock
			// that may not be ours; a minute's margin, as a wider scan
			// only costs time.
			p.prior.since = appended.Add(-sinceMargin)
		}
	}
}

// suspect reports whether the message at offset may have been handled, in
// part, by an earlier worker that died within CommitInterval of it, and
// since when any such handling may have written records.
func (p *progress) suspect(offset int64) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if offset >= p.suspectEnd || p.suspectEnd <= 0 {
		return time.Time{}, false
	}
	return p.prior.since, true
}

// finish records that item of the message at offset is finished.
func (p *progress) finish(offset, item int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.items[offset], item) {
		p.items[offset] = append(p.items[offset], item)
		p.dirty = true
	}
}

// finished reports whether item of the message at offset was finished,
// by this worker or an earlier one.
func (p *progress) finished(offset, item int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.items[offset], item) || slices.Contains(p.prior.items[offset], item)
}

// skip reports whether the message at offset was finished whole by an
// earlier worker, so that it need not be handled again.
func (p *progress) skip(offset int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.prior.done[offset]
}

// unsent marks the progress as changed again: a commit of it failed.
func (p *progress) unsent() {
	p.mu.Lock()
	p.dirty = true
	p.mu.Unlock()
}

// done forgets the items of a message that finished.
func (p *progress) done(offset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.items, offset)
	delete(p.prior.items, offset)
	p.dirty = true
}

// forget drops what lies below the commit offset: it will not be fetched
// again.
func (p *progress) forget(commit int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for off := range p.prior.done {
		if off < commit {
			delete(p.prior.done, off)
		}
	}
	for off := range p.prior.items {
		if off < commit {
			delete(p.prior.items, off)
		}
	}
}

// sinceMargin widens a since taken from a record's timestamp.
const sinceMargin = time.Minute

// maxMetadata bounds the metadata of a commit: Kafka refuses a commit whose
// metadata is longer than offset.metadata.max.bytes, 4096 by default.
// What does not fit is left out, to be done again after a crash.
const maxMetadata = 4000

// metadataVersion starts every metadata postload writes.
const metadataVersion = "pl1"

// encode writes the progress beyond commit, with the messages finished out
// of order (doneAbove, increasing), as commit metadata: "pl1|d|i|t|c",
// where d lists finished offsets as ranges relative to commit ("2-4,7"), i
// the finished items of messages in flight ("5:101.102,6:9"), t (Unix
// milliseconds) the earliest time a message not recorded here may have been
// handled (since), and c is 1 when the worker stopped in order (clean). It
// also reports whether anything changed since the last encode.
func (p *progress) encode(commit int64, doneAbove []int64, since time.Time, clean bool) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	dirty := p.dirty
	p.dirty = false
	if p.suspectEnd != 0 && commit < p.suspectEnd || p.suspectEnd < 0 {
		// Messages an earlier worker may have handled lie ahead still: the
		// next owner must look for their records as far back as this one.
		if !p.prior.since.IsZero() && p.prior.since.Before(since) {
			since = p.prior.since
		}
		clean = false
	}
	var b strings.Builder
	b.WriteString(metadataVersion + "|")
	cutDone := writeDone(&b, commit, p.doneFrom(commit, doneAbove))
	b.WriteByte('|')
	cutItems := writeItems(&b, commit, p.itemsFrom(commit))
	b.WriteString("|" + strconv.FormatInt(since.UnixMilli(), 10) + "|")
	// Something that did not fit is for the next owner to look for.
	if clean && !cutDone && !cutItems {
		b.WriteByte('1')
	} else {
		b.WriteByte('0')
	}
	return b.String(), dirty || clean
}

// doneFrom is doneAbove with the earlier worker's finished offsets from
// commit on, increasing; p.mu is held.
func (p *progress) doneFrom(commit int64, doneAbove []int64) []int64 {
	done := slices.Clone(doneAbove)
	for off := range p.prior.done {
		if off >= commit && !slices.Contains(done, off) {
			done = append(done, off)
		}
	}
	slices.Sort(done)
	return done
}

// itemsFrom are the finished items of the messages in flight from commit
// on, the earlier worker's and this one's; p.mu is held.
func (p *progress) itemsFrom(commit int64) map[int64][]int64 {
	items := map[int64][]int64{}
	for off, its := range p.prior.items {
		if off >= commit {
			items[off] = slices.Clone(its)
		}
	}
	for off, its := range p.items {
		for _, it := range its {
			if !slices.Contains(items[off], it) {
				items[off] = append(items[off], it)
			}
		}
	}
	return items
}

// writeDone writes done (increasing) as ranges relative to commit,
// "2-4,7", while b stays within maxMetadata less room for the rest; cut
// reports that some did not fit.
func writeDone(b *strings.Builder, commit int64, done []int64) (cut bool) {
	for i := 0; i < len(done); {
		j := i
		for j+1 < len(done) && done[j+1] == done[j]+1 {
			j++
		}
		part := strconv.FormatInt(done[i]-commit, 10)
		if j > i {
			part += "-" + strconv.FormatInt(done[j]-commit, 10)
		}
		if i > 0 {
			part = "," + part
		}
		if b.Len()+len(part) > maxMetadata-32 {
			return true
		}
		b.WriteString(part)
		i = j + 1
	}
	return false
}

// writeItems writes items by offset relative to commit, "5:101.102,6:9",
// while b stays within maxMetadata less room for the rest; cut reports
// that some did not fit.
func writeItems(b *strings.Builder, commit int64, items map[int64][]int64) (cut bool) {
	first := true
	for _, off := range slices.Sorted(maps.Keys(items)) {
		var part strings.Builder
		if !first {
			part.WriteByte(',')
		}
		part.WriteString(strconv.FormatInt(off-commit, 10))
		part.WriteByte(':')
		for k, it := range items[off] {
			if k > 0 {
				part.WriteByte('.')
			}
			part.WriteString(strconv.FormatInt(it, 10))
		}
		if b.Len()+part.Len() > maxMetadata-32 {
			return true
		}
		b.WriteString(part.String())
		first = false
	}
	return false
}

// decodeProgress reads commit metadata written by encode for a commit at
// offset commit. Metadata that is not postload's (another tool's, an older
// version's empty string) or does not parse gives no progress: the
// messages are handled again, which is always safe.
func decodeProgress(metadata string, commit int64) priorProgress {
	bad := func() priorProgress {
		return priorProgress{done: map[int64]bool{}, items: map[int64][]int64{}}
	}
	out := bad()
	parts := strings.Split(metadata, "|")
	if len(parts) != 5 || parts[0] != metadataVersion || commit < 0 {
		return out
	}
	ms, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || (parts[4] != "0" && parts[4] != "1") {
		return out
	}
	out.since, out.clean = time.UnixMilli(ms), parts[4] == "1"
	if parts[1] != "" {
		for _, r := range strings.Split(parts[1], ",") {
			lo, hi, isRange := strings.Cut(r, "-")
			a, err1 := strconv.ParseInt(lo, 10, 64)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.ParseInt(hi, 10, 64)
			}
			if err1 != nil || err2 != nil || a < 0 || b < a || b-a > 1<<20 {
				return bad()
			}
			for o := a; o <= b; o++ {
				out.done[commit+o] = true
			}
		}
	}
	if parts[2] != "" {
		for _, e := range strings.Split(parts[2], ",") {
			rel, list, ok := strings.Cut(e, ":")
			o, err := strconv.ParseInt(rel, 10, 64)
			if !ok || err != nil || o < 0 {
				return bad()
			}
			for _, s := range strings.Split(list, ".") {
				it, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return bad()
				}
				out.items[commit+o] = append(out.items[commit+o], it)
			}
		}
	}
	return out
}
