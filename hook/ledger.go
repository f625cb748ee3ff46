package hook

import (
	"cmp"
	"slices"
)

// origin is what a record says about where its object was created. The
// per-account limits are decided from it, by every reader alike.
type origin struct {
	// create: this record creates the object; its own offset is the
	// creation offset, and whether the object exists is decided by the
	// limit at that point of the log.
	create bool
	// offset is the creation offset a later record of the object carries;
	// -1 when the record carries none: an object created before limits were
	// decided from the log, which counts from the start.
	offset int64
}

// legacyOffset orders objects created before limits were decided from the
// log before every other.
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
type ledger struct {
	limit   int
	settled bool
	// objects while catching up: every object seen, deleted ones included;
	// once settled: the accepted live ones.
	objects map[int64]*entry
	live    map[int64]int // account → accepted live objects (once settled)
}

// entry is one object as the ledger knows it.
type entry struct {
	client   int64
	created  int64 // creation offset; legacyOffset for old objects
	deleted  int64 // offset of the record that deleted it; -1 while live
	accepted bool
	latest   any // the object's latest record (*schema.Hook or *schema.Recipient)
}

func newLedger(limit int) *ledger {
	return &ledger{limit: limit, objects: map[int64]*entry{}, live: map[int64]int{}}
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
	e := l.objects[id]
	if e == nil {
		e = &entry{client: client, created: legacyOffset, deleted: -1, accepted: !o.create}
		switch {
		case o.create:
			e.created = off
		case o.offset >= 0:
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
		slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.created, b.created) })
		for i, e := range es {
			if e.created == legacyOffset {
				e.accepted = true
				continue
			}
			n := 0
			for _, f := range es[:i] {
				if f.accepted && (f.deleted < 0 || f.deleted > e.created) {
					n++
				}
			}
			e.accepted = n < l.limit
		}
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

// createdAt returns the creation offset a later record of live object id
// carries: -1 for an object created before limits were decided from the log.
func (l *ledger) createdAt(id int64) int64 {
	if e := l.objects[id]; e != nil {
		return e.created
	}
	return legacyOffset
}
