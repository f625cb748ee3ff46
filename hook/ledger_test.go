package hook

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// logRecord is one record of a simulated registry topic.
type logRecord struct {
	off     int64
	id      int64
	client  int64
	o       origin
	deleted bool
	gone    bool // a tombstone
}

// simulate writes a random history of creations, changes and deletions of
// a few accounts, as instances would: a creation is decided by a live
// ledger (the writer's), a refused one gets a tombstone; later records of
// an object carry its creation offset. It returns the log.
func simulate(r *rand.Rand, n, limit int) []logRecord {
	var log []logRecord
	live := newLedger(limit)
	live.settle()
	type obj struct {
		client, created int64
	}
	objs := map[int64]obj{} // what writers believe exists
	nextID := int64(1)
	appendRec := func(rec logRecord) change {
		rec.off = int64(len(log))
		log = append(log, rec)
		var latest any = &struct{}{}
		if rec.gone {
			latest = nil
		}
		return live.apply(rec.id, rec.client, rec.off, rec.o, rec.deleted, latest)
	}
	for range n {
		client := int64(1 + r.IntN(3))
		var ids []int64
		for id, o := range objs {
			if o.client == client {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		switch op := r.IntN(10); {
		case op < 6 || len(ids) == 0: // create
			id := nextID
			nextID++
			c := appendRec(logRecord{id: id, client: client, o: origin{create: true}})
			if c.skip { // refused: the writer writes a tombstone, most of the time
				if r.IntN(4) > 0 {
					appendRec(logRecord{id: id, client: client, gone: true})
				}
				continue
			}
			objs[id] = obj{client, int64(len(log) - 1)}
		case op < 8: // change
			id := ids[r.IntN(len(ids))]
			appendRec(logRecord{id: id, client: client, o: origin{offset: objs[id].created}})
		default: // delete
			id := ids[r.IntN(len(ids))]
			appendRec(logRecord{id: id, client: client, o: origin{offset: objs[id].created}, deleted: true})
			deletedAt := int64(len(log) - 1)
			created := objs[id].created
			delete(objs, id)
			if r.IntN(3) == 0 {
				// An instance that had not seen the delete changes the
				// object; the ledger ignores it, and that writer writes
				// the delete again (if it died first, compaction could
				// keep the stale change: docs/contract.md says so).
				appendRec(logRecord{id: id, client: client, o: origin{offset: created}})
				appendRec(logRecord{id: id, client: client, o: origin{offset: created, deleted: deletedAt}, deleted: true})
			}
		}
	}
	return log
}

// compact keeps each key's last record, as Kafka's log cleaner may.
func compact(log []logRecord, r *rand.Rand) []logRecord {
	last := map[int64]int64{}
	for _, rec := range log {
		last[rec.id] = rec.off
	}
	var out []logRecord
	for _, rec := range log {
		// The cleaner may or may not have reached a superseded record, and
		// drops a tombstone once it is old enough.
		if rec.gone && last[rec.id] == rec.off && r.IntN(2) == 0 {
			continue
		}
		if last[rec.id] == rec.off || r.IntN(3) == 0 {
			out = append(out, rec)
		}
	}
	return out
}

// visible replays log through a new ledger that catches up on the first
// upTo records, then follows the rest, and returns the ids that exist.
func visible(log []logRecord, upTo, limit int) []int64 {
	l := newLedger(limit)
	exists := map[int64]bool{}
	put := func(c change) {
		if c.skip {
			return
		}
		if c.latest == nil {
			delete(exists, c.id)
		} else {
			exists[c.id] = true
		}
	}
	for i, rec := range log {
		if i == upTo {
			for _, c := range l.settle() {
				put(c)
			}
		}
		var latest any = &struct{}{}
		if rec.gone {
			latest = nil
		}
		put(l.apply(rec.id, rec.client, rec.off, rec.o, rec.deleted, latest))
	}
	if !l.settled {
		for _, c := range l.settle() {
			put(c)
		}
	}
	var ids []int64
	for id := range exists {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestLedgerDecidesTheSameForEveryReader: whether a reader follows the log
// as it is written, catches up on it whole, or on a compacted copy of it,
// it sees the same objects, and no account has more than the limit.
func TestLedgerDecidesTheSameForEveryReader(t *testing.T) {
	const limit = 3
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 1))
		log := simulate(r, 60, limit)
		want := visible(log, 0, limit) // follows from the first record
		for _, upTo := range []int{len(log), len(log) / 2} {
			if got := visible(log, upTo, limit); !slices.Equal(got, want) {
				t.Fatalf("seed %d: caught up on %d of %d records: %v; followed: %v", seed, upTo, len(log), got, want)
			}
		}
		c := compact(log, r)
		if got := visible(c, len(c), limit); !slices.Equal(got, want) {
			t.Fatalf("seed %d: compacted log: %v; followed: %v", seed, got, want)
		}
		perClient := map[int64]int{}
		for _, id := range want {
			for _, rec := range log {
				if rec.id == id {
					perClient[rec.client]++
					break
				}
			}
		}
		for client, n := range perClient {
			if n > limit {
				t.Fatalf("seed %d: account %d has %d objects, limit %d", seed, client, n, limit)
			}
		}
	}
}

// TestLedgerRefusesARacingCreation: two creations written at once by two
// instances that each saw room for one more: the first in the log wins.
func TestLedgerRefusesARacingCreation(t *testing.T) {
	l := newLedger(2)
	l.settle()
	obj := &struct{}{}
	if c := l.apply(1, 7, 0, origin{create: true}, false, obj); c.skip {
		t.Fatal("first creation refused")
	}
	if c := l.apply(2, 7, 1, origin{create: true}, false, obj); c.skip {
		t.Fatal("second creation refused")
	}
	if c := l.apply(3, 7, 2, origin{create: true}, false, obj); !c.skip {
		t.Fatal("third creation accepted over a limit of 2")
	}
	if c := l.apply(4, 8, 3, origin{create: true}, false, obj); c.skip {
		t.Fatal("another account's creation refused")
	}
	if c := l.apply(1, 7, 4, origin{offset: 0}, true, obj); c.skip || c.latest != nil {
		t.Fatalf("delete = %+v, want a removal", c)
	}
	if c := l.apply(5, 7, 5, origin{create: true}, false, obj); c.skip {
		t.Fatal("creation after a delete refused")
	}
	// Records written before limits were decided from the log count from
	// the start and are never refused.
	if c := l.apply(6, 7, 6, origin{offset: legacyOffset}, false, obj); c.skip {
		t.Fatal("legacy record refused")
	}
}
