package hook

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
)

// origin is what a record says about where its object was created and,
// for a delete written again, deleted. The per-account limits are decided
// from it, by every reader alike.
type origin struct {
	// create: this record creates the object; its own offset is the
	// creation offset, and whether the object exists is decided by the
	// limit at that point of the log.
	create bool
	// offset is the creation offset a later record of the object carries;
	// -1 when the record carries none: an object created before limits were
	// decided from the log, counted from the offset of its record.
	offset int64
	// deleted is the offset of the object's first delete, carried by a
	// delete written again (see modify); 0 otherwise (a delete is never at
	// offset 0: its object's creation comes first).
	deleted int64
}

// legacyOffset marks an origin without a creation offset.
const legacyOffset = -1

// ledger decides which creations of one kind (hooks or recipients) fit
// their account's limit, from the order of the one-partition topic alone,
// so that every instance and every restart reaches the same decision, and
// no instance-local lock is needed for the limit to hold.
//
// The rule: a creation record at offset p is accepted when fewer than limit
// accepted objects of its account were live at p: created before p and not
// deleted before p. Compaction keeps only an object's latest record, so a
// later record carries its object's creation offset (origin.offset) and a
// delete record, an object's last, says when it was deleted: the rule reads
// the same on a compacted log. While catching up, a reader cannot yet know
// every object live at p (an object modified later shows up later), so it
// collects every record and decides at the end of its first read (settle);
// after that it decides each creation as it is applied, against what is
// live then, which is what was live at its offset.
//
// A delete is final: a record of an object after its delete (a change made
// by an instance that had not seen the delete yet) is ignored, and its
// writer writes the delete again (see modify), so that compaction, which
// keeps the last record, keeps a delete.
type ledger struct {
	limit   int
	settled bool
	// objects while catching up: every object seen, deleted ones included;
	// once settled: the accepted live ones.
	objects map[int64]*entry
	live    map[int64]int // account → accepted live objects (once settled)
	// deleted holds every object deleted, for good: its delete offset and
	// its delete record (to write again after a stale change).
	deleted map[int64]tomb
}

// entry is one object as the ledger knows it.
type entry struct {
	client   int64
	created  int64 // creation offset
	legacy   bool  // created before limits were decided from the log: never refused
	deleted  int64 // offset of its first delete; -1 while live
	accepted bool
	latest   any // the object's latest record (*schema.Hook or *schema.Recipient)
}

// tomb is a deleted object.
type tomb struct {
	offset int64 // of the first delete
	record any   // the delete record
}

func newLedger(limit int) *ledger {
	return &ledger{limit: limit, objects: map[int64]*entry{}, live: map[int64]int{}, deleted: map[int64]tomb{}}
}

// change is what applying a record does to the view: put latest (nil:
// remove the object) for id, or nothing when skip.
type change struct {
	id     int64
	latest any
	skip   bool
}

// apply takes the record of object id at offset off: nil latest for a
// tombstone. Until settled it returns no change (the view is built at
// settle); after, the change to make to the view.
func (l *ledger) apply(id, client, off int64, o origin, deleted bool, latest any) change {
	if latest == nil { // tombstone: the object never was
		if e := l.objects[id]; e != nil && l.settled && e.accepted {
			l.live[e.client]--
		}
		delete(l.objects, id)
		if !l.settled {
			return change{skip: true}
		}
		return change{id: id}
	}
	if _, gone := l.deleted[id]; gone {
		return change{skip: true} // deletes are final
	}
	e := l.objects[id]
	if e == nil {
		e = &entry{client: client, created: off, deleted: -1, accepted: !o.create, legacy: !o.create && o.offset < 0}
		if !o.create && o.offset >= 0 {
			e.created = o.offset
		}
		if l.settled {
			if o.create {
				e.accepted = l.live[client] < l.limit
			}
			if !e.accepted {
				return change{skip: true} // refused: never visible, not kept
			}
			l.live[client]++
		}
		l.objects[id] = e
	}
	e.latest = latest
	if deleted {
		e.deleted = off
		if o.deleted > 0 {
			e.deleted = o.deleted
		}
		l.deleted[id] = tomb{offset: e.deleted, record: latest}
	}
	if !l.settled {
		return change{skip: true}
	}
	if deleted {
		delete(l.objects, id)
		l.live[e.client]--
		if l.live[e.client] == 0 {
			delete(l.live, e.client)
		}
		return change{id: id}
	}
	return change{id: id, latest: latest}
}

// settle decides every creation seen while catching up and returns the
// objects that exist: accepted and not deleted. From then on apply decides
// each creation as it comes.
func (l *ledger) settle() []change {
	l.settled = true
	byAccount := map[int64][]*entry{}
	for _, e := range l.objects {
		byAccount[e.client] = append(byAccount[e.client], e)
	}
	for _, es := range byAccount {
		decide(es, l.limit)
	}
	var out []change
	for id, e := range l.objects {
		if !e.accepted || e.deleted >= 0 {
			delete(l.objects, id)
			continue
		}
		l.live[e.client]++
		out = append(out, change{id: id, latest: e.latest})
	}
	slices.SortFunc(out, func(a, b change) int { return cmp.Compare(a.id, b.id) })
	return out
}

// decide applies the rule to one account's objects, in the order they were
// created: each is accepted if fewer than limit accepted ones are live at
// its creation. The accepted ones' deletes wait in a heap, so that those
// that came before the next creation are counted out.
func decide(es []*entry, limit int) {
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.created, b.created) })
	var ends offsets // delete offsets of the accepted live ones (MaxInt64: live)
	for _, e := range es {
		for ends.Len() > 0 && ends[0] < e.created {
			heap.Pop(&ends)
		}
		e.accepted = e.legacy || ends.Len() < limit
		if e.accepted {
			end := int64(math.MaxInt64)
			if e.deleted >= 0 {
				end = e.deleted
			}
			heap.Push(&ends, end)
		}
	}
}

// offsets is a min-heap of offsets.
type offsets []int64

func (h offsets) Len() int           { return len(h) }
func (h offsets) Less(i, j int) bool { return h[i] < h[j] }
func (h offsets) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *offsets) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *offsets) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// createdAt returns the creation offset a later record of live object id
// carries: -1 for an object created before limits were decided from the
// log (its later records carry none either).
func (l *ledger) createdAt(id int64) int64 {
	if e := l.objects[id]; e != nil && !e.legacy {
		return e.created
	}
	return legacyOffset
}

// tombOf returns the delete of object id, if it was deleted.
func (l *ledger) tombOf(id int64) (tomb, bool) {
	t, ok := l.deleted[id]
	return t, ok
}
