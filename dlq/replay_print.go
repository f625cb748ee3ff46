package dlq

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Print writes r for people: one line per listed dead letter, then the
// totals and the reasons for skipping.
func (r ReplayResult) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, o := range r.Outcomes {
		outcome := o.Outcome
		if r.DryRun && outcome == OutcomeReplayed {
			outcome = "would replay"
		}
		fmt.Fprintf(tw, "%s\t%s\thook=%d\t%s\n", o.ID, o.EventID, o.HookID, outcome)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Omitted > 0 {
		fmt.Fprintf(w, "(%d more not listed)\n", r.Omitted)
	}
	verb := "replayed"
	if r.DryRun {
		verb = "dry run: would replay"
	}
	_, err := fmt.Fprintf(w, "%s %d, skipped %d%s\n", verb, r.Replayed, r.skipped(), r.reasons())
	return err
}

func (r ReplayResult) skipped() int {
	n := 0
	for _, c := range r.Skipped {
		n += c
	}
	return n
}

// reasons is " (reason n, …)" in the order of the reasons' names, or "".
func (r ReplayResult) reasons() string {
	if len(r.Skipped) == 0 {
		return ""
	}
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(r.Skipped)) {
		parts = append(parts, fmt.Sprintf("%s %d", reason, r.Skipped[reason]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
