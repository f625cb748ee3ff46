package email

import (
	"strconv"
	"time"

	"github.com/postload/postload/schema"
)

// The data the templates get.
type (
	deadLetterData struct {
		DeadLetter deadLetterView
		Window     string
	}
	goneData struct {
		DeadLetter         deadLetterView
		Method, Path, Body string // the request that re-enables the hook
		Window             string
	}
	digestData struct {
		HookID                    int64
		URL                       string // as shownURL gives it
		Count, NotListed          int
		Tally                     string // requests sent and attempts skipped, over all Count
		Exhausted, Gone, Disabled int    // Count by reason
		Listed                    []deadLetterView
		First, Last               string // dead_at range
		Window                    string
	}
	failedLoadsData struct {
		Tables  []tableView
		Records int
		Since   string
	}
)

// deadLetterView is a dead letter as the emails show it; digests keep the
// views of the dead letters they list in the state topic.
type deadLetterView struct {
	EventID       string        `json:"event_id"`
	URL           string        `json:"url"` // as shownURL gives it
	Integration   string        `json:"integration"`
	Table         string        `json:"table"`
	HookID        int64         `json:"hook_id"`
	DestinationID int64         `json:"destination_id"`
	Reason        string        `json:"reason"`
	What          string        `json:"what"`
	DeadAt        string        `json:"dead_at"`
	Tally         string        `json:"tally"` // requests sent and attempts skipped
	Attempts      []attemptView `json:"attempts"`
}

type attemptView struct {
	Number   int    `json:"number"`
	At       string `json:"at"`
	Duration string `json:"duration"`
	Status   string `json:"status"`            // "HTTP 503", "no response", or that the breaker skipped it
	Error    string `json:"error"`             // as the dispatcher recorded it, URLs as shownURL gives them
	Skipped  bool   `json:"skipped,omitempty"` // no request was sent: the circuit breaker was open
}

type tableView struct {
	DestinationID      int64
	Integration, Table string
	Error              string // the latest
	First, Last        string
	Count              int
}

func deadLetterViewOf(dl schema.DeadLetter) deadLetterView {
	integration, table := "unknown", "unknown"
	if ev, err := schema.DecodeLoadEvent([]byte(dl.Event)); err == nil {
		integration, table = ev.Summary()
	}
	sent, skipped := schema.CountAttempts(dl.Attempts)
	v := deadLetterView{
		EventID:       dl.EventID,
		URL:           shownURL(dl.Hook.URL),
		Integration:   integration,
		Table:         table,
		HookID:        dl.Hook.ID,
		DestinationID: dl.Hook.DestinationID,
		Reason:        dl.Reason,
		What:          what(dl),
		DeadAt:        when(dl.DeadAt),
		Tally:         tally(sent, skipped),
	}
	for _, a := range dl.Attempts {
		av := attemptView{Number: a.Number, At: when(a.StartedAt),
			Duration: strconv.FormatInt(a.DurationMS, 10) + " ms", Status: "no response", Error: scrubURLs(a.Error)}
		switch {
		case !a.RequestSent():
			av.Status, av.Skipped = "skipped: circuit breaker open, no request sent", true
		case a.Status != 0:
			av.Status = "HTTP " + strconv.Itoa(a.Status)
		}
		v.Attempts = append(v.Attempts, av)
	}
	return v
}

// tally says how many requests were sent and how many attempts the open
// circuit breaker skipped: "5 requests sent; 1 attempt skipped: the circuit
// breaker was open, no request was sent".
func tally(sent, skipped int) string {
	var s string
	switch sent {
	case 0:
		s = "no request sent"
	case 1:
		s = "1 request sent"
	default:
		s = strconv.Itoa(sent) + " requests sent"
	}
	switch skipped {
	case 0:
		return s
	case 1:
		return s + "; 1 attempt skipped: the circuit breaker was open, no request was sent"
	}
	return s + "; " + strconv.Itoa(skipped) + " attempts skipped: the circuit breaker was open, no request was sent"
}

// what says in a sentence why dl will not be delivered.
func what(dl schema.DeadLetter) string {
	switch dl.Reason {
	case schema.ReasonHookGone:
		return "The receiver answered 410 Gone, so the hook was disabled; no more attempts will be made."
	case schema.ReasonHookDisabled:
		return "The hook was disabled while this notification waited for its next attempt; it will not be delivered."
	}
	return "No delivery attempt succeeded; no more attempts will be made."
}

// when formats t for people: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// human formats a window: "15 minutes", "2 hours", "300ms".
func human(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d%time.Second == 0:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}
