package dlq

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/postload/postload/schema"
)

// StatsResult counts the dead letters a Filter selects.
type StatsResult struct {
	Total int `json:"total"`
	// Malformed counts the records of the DLQ that are not dead letters,
	// whatever the filter (they cannot be attributed).
	Malformed int `json:"malformed"`
	// Oldest and Newest are the extreme dead_at; nil when Total is 0.
	Oldest *time.Time `json:"oldest_dead_at"`
	Newest *time.Time `json:"newest_dead_at"`
	// RequestsSent and AttemptsSkipped count the attempts of the dead
	// letters that sent a request, and those the open circuit breaker
	// skipped without one.
	RequestsSent    int           `json:"requests_sent"`
	AttemptsSkipped int           `json:"attempts_skipped"`
	ByClient        []ClientCount `json:"by_client"`
	ByHook          []HookCount   `json:"by_hook"`
	ByReason        []ReasonCount `json:"by_reason"`
}

// ClientCount is the number of dead letters of one account.
type ClientCount struct {
	ClientID int64 `json:"client_id"`
	Count    int   `json:"count"`
}

// HookCount is the number of dead letters of one hook, with their
// requests sent and attempts skipped; URL is the one of its newest dead
// letter.
type HookCount struct {
	HookID          int64  `json:"hook_id"`
	ClientID        int64  `json:"client_id"`
	URL             string `json:"url"`
	Count           int    `json:"count"`
	RequestsSent    int    `json:"requests_sent"`
	AttemptsSkipped int    `json:"attempts_skipped"`
	newest          time.Time
}

// ReasonCount is the number of dead letters with one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Stats counts the dead letters f selects (see Scan for what is read; a
// Limit counts only the first ones). The lists are ordered by count,
// largest first, then by id or reason.
func Stats(ctx context.Context, cfg Config, f Filter) (StatsResult, error) {
	var s StatsResult
	clients := map[int64]*ClientCount{}
	hooks := map[int64]*HookCount{}
	reasons := map[string]*ReasonCount{}
	malformed, err := scan(ctx, cfg, f, func(e Entry) error {
		dl := e.DeadLetter
		s.Total++
		if s.Oldest == nil || dl.DeadAt.Before(*s.Oldest) {
			s.Oldest = &dl.DeadAt
		}
		if s.Newest == nil || dl.DeadAt.After(*s.Newest) {
			s.Newest = &dl.DeadAt
		}
		sent, skipped := schema.CountAttempts(dl.Attempts)
		s.RequestsSent += sent
		s.AttemptsSkipped += skipped
		count(clients, dl.Hook.ClientID, func() *ClientCount { return &ClientCount{ClientID: dl.Hook.ClientID} }).Count++
		h := count(hooks, dl.Hook.ID, func() *HookCount { return &HookCount{HookID: dl.Hook.ID} })
		h.Count++
		h.RequestsSent += sent
		h.AttemptsSkipped += skipped
		if h.URL == "" || !dl.DeadAt.Before(h.newest) {
			h.ClientID, h.URL, h.newest = dl.Hook.ClientID, dl.Hook.URL, dl.DeadAt
		}
		count(reasons, dl.Reason, func() *ReasonCount { return &ReasonCount{Reason: dl.Reason} }).Count++
		return nil
	})
	if err != nil {
		return StatsResult{}, err
	}
	s.Malformed = malformed
	s.ByClient = sorted(clients, func(c ClientCount) (int, int64) { return c.Count, c.ClientID })
	s.ByHook = sorted(hooks, func(h HookCount) (int, int64) { return h.Count, h.HookID })
	s.ByReason = sorted(reasons, func(r ReasonCount) (int, string) { return r.Count, r.Reason })
	return s, nil
}

// count returns m[k], made by mk if missing.
func count[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v, ok := m[k]
	if !ok {
		v = mk()
		m[k] = v
	}
	return v
}

// sorted returns the values of m by count, largest first, then by key.
func sorted[K comparable, V any, O cmp.Ordered](m map[K]*V, key func(V) (int, O)) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b V) int {
		na, ka := key(a)
		nb, kb := key(b)
		return cmp.Or(cmp.Compare(nb, na), cmp.Compare(ka, kb))
	})
	return out
}

// Print writes s as tables for people.
func (s StatsResult) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "dead letters\t%d\n", s.Total)
	if s.Oldest != nil {
		fmt.Fprintf(tw, "oldest\t%s\n", s.Oldest.UTC().Format(time.RFC3339))
		fmt.Fprintf(tw, "newest\t%s\n", s.Newest.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "requests sent\t%d\n", s.RequestsSent)
	fmt.Fprintf(tw, "attempts skipped, breaker open\t%d\n", s.AttemptsSkipped)
	if s.Malformed > 0 {
		fmt.Fprintf(tw, "malformed records (skipped)\t%d\n", s.Malformed)
	}
	fmt.Fprintf(tw, "\nREASON\tCOUNT\n")
	for _, r := range s.ByReason {
		fmt.Fprintf(tw, "%s\t%d\n", r.Reason, r.Count)
	}
	fmt.Fprintf(tw, "\nCLIENT\tCOUNT\n")
	for _, c := range s.ByClient {
		fmt.Fprintf(tw, "%d\t%d\n", c.ClientID, c.Count)
	}
	fmt.Fprintf(tw, "\nHOOK\tCLIENT\tCOUNT\tSENT\tSKIPPED\tURL\n")
	for _, h := range s.ByHook {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%s\n", h.HookID, h.ClientID, h.Count, h.RequestsSent, h.AttemptsSkipped, h.URL)
	}
	return tw.Flush()
}
