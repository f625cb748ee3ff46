package dlq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postload/postload/schema"
)

// ListResult says how many dead letters List wrote and how many records it
// skipped because they were not dead letters.
type ListResult struct {
	Listed    int `json:"listed"`
	Malformed int `json:"malformed"`
}

// List writes the dead letters f selects to w, in Scan's order, one line
// each: PrintLine's, or PrintJSONLine's when asJSON.
func List(ctx context.Context, cfg Config, f Filter, w io.Writer, asJSON bool) (ListResult, error) {
	write := PrintLine
	if asJSON {
		write = PrintJSONLine
	}
	var res ListResult
	malformed, err := scan(ctx, cfg, f, func(e Entry) error {
		res.Listed++
		return write(w, e)
	})
	res.Malformed = malformed
	return res, err
}

// PrintLine writes e as one line for people: dead_at, id, client, hook,
// URL, reason, attempts (of which how many sent a request and how many
// the open breaker skipped) and the last attempt's error, tab-separated.
func PrintLine(w io.Writer, e Entry) error {
	dl := e.DeadLetter
	sent, skipped := schema.CountAttempts(dl.Attempts)
	_, err := fmt.Fprintf(w, "%s\t%s\tevent=%s\tclient=%d\thook=%d\t%s\t%s\tattempts=%d\trequests_sent=%d\tattempts_skipped=%d\t%s\n",
		dl.DeadAt.UTC().Format(time.RFC3339), e.ID, oneLine(dl.EventID), dl.Hook.ClientID, dl.Hook.ID,
		dl.Hook.URL, dl.Reason, len(dl.Attempts), sent, skipped, oneLine(lastError(dl.Attempts)))
	return err
}

// PrintJSONLine writes e as one line of JSON (JSON Lines), with
// requests_sent and attempts_skipped (see Entry.MarshalJSON).
func PrintJSONLine(w io.Writer, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding dead letter %s: %w", e.ID, err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// lastError is the last attempt's error, or its HTTP status.
func lastError(as []schema.Attempt) string {
	if len(as) == 0 {
		return "-"
	}
	switch a := as[len(as)-1]; {
	case a.Error != "":
		return a.Error
	case a.Status != 0:
		return fmt.Sprintf("HTTP %d", a.Status)
	}
	return "-"
}

// oneLine keeps s on one line of a table.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
}
