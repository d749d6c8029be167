package onboard

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteSummary writes the results as a table (repository, action, owner
// and where it came from, detail) followed by the totals per action.
func WriteSummary(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tACTION\tOWNER\tOWNER FROM\tDETAIL")
	for _, r := range results {
		action, detail := string(r.Action), r.Detail
		if r.Action == Skipped && r.Detail != "" {
			action, detail = fmt.Sprintf("skipped (%s)", r.Detail), ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Repo, action, dash(r.Owner), dash(r.OwnerFrom), dash(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, Totals(results))
	return err
}

// Totals is one line: the number of repositories per action.
func Totals(results []Result) string {
	counts := map[Action]int{}
	for _, r := range results {
		counts[r.Action]++
	}
	parts := []string{fmt.Sprintf("%d repositories", len(results))}
	for _, a := range []Action{Opened, Exists, WouldOpen, HasCatalog, Skipped, Failed} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// CountFailed returns how many repositories failed.
func CountFailed(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Action == Failed {
			n++
		}
	}
	return n
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
