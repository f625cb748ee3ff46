package email

import (
	"time"

	"github.com/postload/postload/schema"
)

// batch collects an account's failed loads from the first one until end,
// when one email lists every affected table.
type batch struct {
	clientID   int64
	start, end time.Time
	tables     map[tableKey]*tableFailure
	order      []tableKey      // tables in the order they first failed
	seen       map[string]bool // event ids, so a redelivery counts once
	records    int
	done       *outcome // resolved when the email was sent
}

// tableKey names an affected table. The destination is part of it: the
// same integration and table may load into two destinations.
type tableKey struct {
	destinationID int64
	integration   string
	table         string
}

// tableFailure is what the email says about one table: its latest error.
type tableFailure struct {
	tableKey
	err         string
	first, last time.Time
	count       int
}

func newBatch(clientID int64, now time.Time, window time.Duration) *batch {
	return &batch{
		clientID: clientID,
		start:    now,
		end:      now.Add(window),
		tables:   map[tableKey]*tableFailure{},
		seen:     map[string]bool{},
		done:     newOutcome(),
	}
}

// add counts f once per event id.
func (b *batch) add(f schema.LoadFailure) {
	if b.seen[f.EventID] {
		return
	}
	b.seen[f.EventID] = true
	b.records++
	k := tableKey{f.DestinationID, f.IntegrationName, f.SourceRootTableName}
	t := b.tables[k]
	if t == nil {
		t = &tableFailure{tableKey: k, first: f.EmittedAt}
		b.tables[k] = t
		b.order = append(b.order, k)
	}
	t.count++
	if f.EmittedAt.Before(t.first) {
		t.first = f.EmittedAt
	}
	if !f.EmittedAt.Before(t.last) {
		t.last, t.err = f.EmittedAt, f.Error
	}
}
