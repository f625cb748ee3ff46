package email

import (
	"slices"
	"time"

	"github.com/postload/postload/schema"
)

func newWindow(opened int64, now time.Time, length time.Duration) *window {
	return &window{Opened: opened, Start: now, End: now.Add(length), ByReason: map[string]int{}}
}

// fold counts dl in the digest, listing it in full if fewer than limit are.
func (w *window) fold(dl schema.DeadLetter, limit int) {
	w.Folded++
	if w.ByReason == nil {
		w.ByReason = map[string]int{}
	}
	w.ByReason[dl.Reason]++
	sent, skipped := schema.CountAttempts(dl.Attempts)
	w.Sent += sent
	w.Skipped += skipped
	w.URL = shownURL(dl.Hook.URL)
	if len(w.Listed) < limit {
		w.Listed = append(w.Listed, deadLetterViewOf(dl))
	}
	if w.First.IsZero() || dl.DeadAt.Before(w.First) {
		w.First = dl.DeadAt
	}
	if dl.DeadAt.After(w.Last) {
		w.Last = dl.DeadAt
	}
}

func newFailedBatch(opened int64, now time.Time, length time.Duration) *failedBatch {
	return &failedBatch{Opened: opened, Start: now, End: now.Add(length)}
}

// add counts f under its table (destination, integration and table: the
// same table may load into two destinations), keeping its latest error.
func (b *failedBatch) add(f schema.LoadFailure) {
	b.Records++
	i := slices.IndexFunc(b.Tables, func(t tableFailure) bool {
		return t.DestinationID == f.DestinationID && t.Integration == f.IntegrationName && t.Table == f.SourceRootTableName
	})
	if i < 0 {
		b.Tables = append(b.Tables, tableFailure{DestinationID: f.DestinationID, Integration: f.IntegrationName,
			Table: f.SourceRootTableName, First: f.EmittedAt})
		i = len(b.Tables) - 1
	}
	t := &b.Tables[i]
	t.Count++
	if f.EmittedAt.Before(t.First) {
		t.First = f.EmittedAt
	}
	if !f.EmittedAt.Before(t.Last) {
		t.Last, t.Error = f.EmittedAt, f.Error
	}
}
